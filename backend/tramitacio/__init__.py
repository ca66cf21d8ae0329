"""The tràmit wizard's backend: form schemas and validation, drafts, signature (OTP), submission,
registry numbers and receipts.

`validation` and `schema` are Qt- and FastAPI-free: the console imports them too, so the informador
sees exactly the refusals the backend would give.
"""
