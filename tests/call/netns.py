"""A network namespace joined to the test's namespace by a veth pair, with a switch to black out UDP.

The far peer runs inside the namespace (``ip netns exec``); blocking UDP there with iptables cuts the
media path (ICE, DTLS, SRTP all ride UDP) while signalling, which goes over the subprocess's pipes or
Playwright's pipe, keeps working. Everything is removed in ``close()``; names are random so parallel
runs cannot collide. tc/netem is not available in this kernel ("Specified qdisc kind is unknown"),
iptables is.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess


def netns_available() -> str | None:
    """None if namespaces can be used here, else the reason they cannot."""
    if os.geteuid() != 0:
        return "needs root"
    for tool in ("ip", "iptables"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    return None


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=10)


class VethNamespace:
    def __init__(self) -> None:
        tag = secrets.token_hex(3)
        self.name = f"vt{tag}"
        self.host_if, self.ns_if = f"vth{tag}", f"vtn{tag}"
        octet = 16 + secrets.randbelow(200)
        self.host_ip, self.ns_ip = f"10.213.{octet}.1", f"10.213.{octet}.2"
        self.blocked = False

    def create(self) -> None:
        _run("ip", "netns", "add", self.name)
        try:
            _run("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if)
            _run("ip", "link", "set", self.ns_if, "netns", self.name)
            _run("ip", "addr", "add", f"{self.host_ip}/30", "dev", self.host_if)
            _run("ip", "link", "set", self.host_if, "up")
            self.exec_run("ip", "addr", "add", f"{self.ns_ip}/30", "dev", self.ns_if)
            self.exec_run("ip", "link", "set", self.ns_if, "up")
            self.exec_run("ip", "link", "set", "lo", "up")
        except BaseException:
            self.close()
            raise

    def exec_prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.name]

    def exec_run(self, *args: str) -> None:
        _run(*self.exec_prefix(), *args)

    def block_udp(self) -> None:
        for chain in ("INPUT", "OUTPUT"):
            self.exec_run("iptables", "-w", "-I", chain, "-p", "udp", "-j", "DROP")
        self.blocked = True

    def unblock_udp(self) -> None:
        for chain in ("INPUT", "OUTPUT"):
            self.exec_run("iptables", "-w", "-D", chain, "-p", "udp", "-j", "DROP")
        self.blocked = False

    def close(self) -> None:
        # Deleting one end of a veth deletes both; deleting the namespace drops its iptables rules.
        subprocess.run(["ip", "link", "del", self.host_if], capture_output=True, timeout=10, check=False)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, timeout=10, check=False)
