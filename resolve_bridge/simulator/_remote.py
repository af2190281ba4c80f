"""The simulated Resolve served to menu scripts running in *another* Python, over a local socket.

Real Resolve runs menu scripts in a separate FuScript process and hands them proxies that talk to
Resolve over RPC (``resolve_api.md`` §1.1). This module does the same for the simulator, so the
installed menu scripts can run under a bare interpreter (``python3.8 -I``: no third-party package,
no ``PYTHONPATH``) while the simulator — which renders with OpenImageIO and exports with
OpenTimelineIO, as Resolve does natively — stays in the test's interpreter:

* :class:`HostServer` (test side) serves ``make_host_globals()``'s objects on ``127.0.0.1``;
* ``python -I _remote.py HOST:PORT SCRIPT`` (script side, this file run standalone; standard
  library only, Python 3.8+) connects, builds proxies for ``resolve``, ``fusion``, ``bmd`` and
  ``app`` and runs ``SCRIPT`` with them as its globals, as Resolve's Workspace > Scripts does.

Proxies behave like Resolve's: any CamelCase attribute is a callable (``hasattr`` is always True,
pitfall 5), ``dir()`` lists the API methods and constants, every call crosses the process boundary
(arguments and answers are plain values or other proxies; dict keys keep their types), and two
answers naming the same object are distinct proxy objects. A Python exception inside the
simulator is re-raised in the script as ``RuntimeError`` with the simulator's traceback.

Wire format: one JSON object per line each way. Requests ``{"op": "globals"}``,
``{"op": "dir", "obj": h}``, ``{"op": "get", "obj": h, "name": n}``,
``{"op": "call", "obj": h, "name": n, "args": [...], "kwargs": {...}}``; replies
``{"ok": true, "value": v}`` or ``{"ok": false, "error": "...", "kind": "AttributeError"|...}``.
Values: JSON scalars and arrays, ``{"$dict": [[k, v], ...]}``, ``{"$obj": handle, "$type": name}``.
"""

from __future__ import annotations

import json
import runpy
import socket
import socketserver
import sys
import threading
import traceback
from typing import Any, Dict, List, Mapping, Optional, Tuple

_SCALARS = (str, int, float, bool, type(None))


# ----------------------------------------------------------------------------- server (test side)


class _Registry:
    """Handles of the simulator objects handed out (kept alive for the server's lifetime)."""

    def __init__(self) -> None:
        self.objects: Dict[int, Any] = {}
        self.handles: Dict[int, int] = {}

    def handle(self, obj: Any) -> int:
        key = id(obj)
        if key not in self.handles:
            self.handles[key] = len(self.objects) + 1
            self.objects[self.handles[key]] = obj
        return self.handles[key]

    def encode(self, value: Any) -> Any:
        if isinstance(value, _SCALARS):
            return value
        if isinstance(value, (list, tuple)):
            return [self.encode(v) for v in value]
        if isinstance(value, dict):
            return {"$dict": [[self.encode(k), self.encode(v)] for k, v in value.items()]}
        return {"$obj": self.handle(value), "$type": type(value).__name__}

    def decode(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        if isinstance(value, dict):
            if "$obj" in value:
                return self.objects[int(value["$obj"])]
            return {self.decode(k): self.decode(v) for k, v in value["$dict"]}
        return value


def api_names(obj: Any) -> Tuple[List[str], List[str]]:
    """(methods, attributes) a live Resolve object would list: API methods and CamelCase values."""
    methods, attributes = [], []
    for name in dir(obj):
        if name.startswith("_"):
            continue
        member = getattr(type(obj), name, None)
        if callable(member) and hasattr(member, "__wrapped__"):
            methods.append(name)  # an @api method of the simulator
        elif name[:1].isupper() and not callable(member):
            attributes.append(name)
    return methods, attributes


class HostServer:
    """Serve one simulated Resolve's menu-script globals to other processes.

    Args:
        host_globals: ``make_host_globals()``'s dict (``resolve``, ``fusion``, ``bmd``, ``app``).

    Use as a context manager; :attr:`address` is ``"127.0.0.1:PORT"`` for the script side.
    """

    def __init__(self, host_globals: Mapping[str, Any]) -> None:
        self.globals = dict(host_globals)
        self.registry = _Registry()
        self.lock = threading.Lock()
        outer = self

        class _Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                for line in self.rfile:
                    reply = outer.answer(line.decode("utf-8"))
                    self.wfile.write((json.dumps(reply) + "\n").encode("utf-8"))
                    self.wfile.flush()

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        host, port = self.server.server_address[:2]
        return "{}:{}".format(host.decode() if isinstance(host, bytes) else host, port)

    def answer(self, line: str) -> Dict[str, Any]:
        """One request line -> its reply (simulator calls run one at a time)."""
        try:
            request = json.loads(line)
            with self.lock:
                return {"ok": True, "value": self._perform(request)}
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the script
            return {"ok": False, "kind": type(exc).__name__, "error": traceback.format_exc()}

    def _perform(self, request: Dict[str, Any]) -> Any:
        op = request["op"]
        reg = self.registry
        if op == "globals":
            return {name: reg.encode(obj) for name, obj in self.globals.items()}
        obj = reg.objects[int(request["obj"])]
        if op == "dir":
            methods, attributes = api_names(obj)
            return {"methods": methods, "attributes": attributes}
        if op == "get":
            return reg.encode(getattr(obj, request["name"]))
        if op == "call":
            args = reg.decode(request.get("args") or [])
            kwargs = {k: reg.decode(v) for k, v in (request.get("kwargs") or {}).items()}
            return reg.encode(getattr(obj, request["name"])(*args, **kwargs))
        raise ValueError(f"unknown op {op!r}")

    def __enter__(self) -> HostServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


# ----------------------------------------------------------------------------- client (script side)


class _Connection:
    def __init__(self, address: str) -> None:
        host, port = address.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)))
        self.reader = self.sock.makefile("r", encoding="utf-8")

    def request(self, message: Dict[str, Any]) -> Any:
        self.sock.sendall((json.dumps(message) + "\n").encode("utf-8"))
        reply = json.loads(self.reader.readline())
        if not reply["ok"]:
            if reply.get("kind") == "AttributeError":
                raise AttributeError(reply["error"].strip().splitlines()[-1])
            raise RuntimeError("simulated Resolve failed:\n" + reply["error"])
        return reply["value"]

    def encode(self, value: Any) -> Any:
        if isinstance(value, RemoteObject):
            return {"$obj": value._handle}
        if isinstance(value, _SCALARS):
            return value
        if isinstance(value, (list, tuple)):
            return [self.encode(v) for v in value]
        if isinstance(value, dict):
            return {"$dict": [[self.encode(k), self.encode(v)] for k, v in value.items()]}
        raise TypeError(f"{type(value).__name__} cannot be sent to Resolve")

    def decode(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        if isinstance(value, dict):
            if "$obj" in value:
                return RemoteObject(self, int(value["$obj"]), str(value.get("$type") or "object"))
            return {self.decode(k): self.decode(v) for k, v in value["$dict"]}
        return value


class RemoteObject:
    """A proxy of one simulated Resolve object (see the module docstring)."""

    def __init__(self, connection: _Connection, handle: int, type_name: str) -> None:
        self._connection = connection
        self._handle = handle
        self._type = type_name
        self._names: Optional[Dict[str, List[str]]] = None

    def _describe(self) -> Dict[str, List[str]]:
        if self._names is None:
            self._names = self._connection.request({"op": "dir", "obj": self._handle})
        return self._names

    def __dir__(self) -> List[str]:
        names = self._describe()
        return sorted(names["methods"] + names["attributes"])

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        conn = self._connection
        if name in self._describe()["attributes"]:
            return conn.decode(conn.request({"op": "get", "obj": self._handle, "name": name}))

        def remote_call(*args: Any, **kwargs: Any) -> Any:
            message = {
                "op": "call",
                "obj": self._handle,
                "name": name,
                "args": conn.encode(list(args)),
                "kwargs": {k: conn.encode(v) for k, v in kwargs.items()},
            }
            return conn.decode(conn.request(message))

        return remote_call

    def __repr__(self) -> str:
        return f"<remote {self._type} #{self._handle}>"


def connect(address: str) -> Dict[str, Any]:
    """The menu-script globals (``resolve``, ``fusion``, ``bmd``, ``app``) served at ``address``."""
    connection = _Connection(address)
    return {name: connection.decode(value) for name, value in connection.request({"op": "globals"}).items()}


def main(argv: List[str]) -> int:
    """``_remote.py HOST:PORT SCRIPT``: run a menu script against the served simulator."""
    if len(argv) != 2:
        print("usage: _remote.py HOST:PORT SCRIPT", file=sys.stderr)
        return 2
    address, script = argv
    runpy.run_path(script, init_globals=connect(address), run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
