"""Citizen side of the video call: join links, PINs, outbox, waiting room, signalling relay, documents.

`install(app)` mounts the citizen and staff-call routers and the citizen page (docs/API.md, section
"Citizen join, PIN, waiting room and signalling").
"""
