"""Presence, the shared interterritorial pool, walk-in kiosk tickets, the supervisor board and KPIs.

Walk-ins reuse the appointment machinery: a kiosk ticket creates a pool appointment (status waiting)
and a citizen session, so the citizen page's call flow, the console's call panel and signalling work
unchanged. The WalkIn row keeps what is specific to the kiosk (ticket number, taken_by, wipe).
"""
