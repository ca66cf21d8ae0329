"""Pool settings from the environment (VIDEOATENCIO_*), with the defaults the supervisor board uses."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class PoolSettings:
    # A console heartbeats every 20 s; three missed beats and it counts as offline.
    presence_timeout_s: float = 60.0
    # Waiting longer than this raises an alert on the supervisor board.
    wait_alert_s: float = 600.0
    # How often stale presence is swept to offline (and pushed to the boards).
    sweep_interval_s: float = 5.0
    # The kiosk's choosing screens go back to the start (and wipe) after this long without a touch.
    # A server setting, not a page parameter: whoever can edit the kiosk's URL must not lengthen it.
    kiosk_idle_s: float = 90.0

    @classmethod
    def from_env(cls) -> PoolSettings:
        env = os.environ

        def num(name: str, default: float) -> float:
            try:
                return float(env.get(f"VIDEOATENCIO_{name}", default))
            except ValueError:
                return default

        return cls(
            presence_timeout_s=num("PRESENCE_TIMEOUT_S", cls.presence_timeout_s),
            wait_alert_s=num("WAIT_ALERT_S", cls.wait_alert_s),
            sweep_interval_s=num("PRESENCE_SWEEP_S", cls.sweep_interval_s),
            kiosk_idle_s=min(max(num("KIOSK_IDLE_S", cls.kiosk_idle_s), 0.5), 3600.0),
        )
