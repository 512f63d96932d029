"""The attach socket of src/engine/process/links.ts, in Python: a Unix socket in a private
folder, engine.json in the run folder naming it with a token, one host at a time (a newer host
that shows the token replaces the older one, as a reloaded window does). Commands go into a
queue the training thread drains between steps; events go out from whichever thread sends."""
import os
import queue
import secrets
import socket
import tempfile
import threading
import time

from .wire import PROTOCOL_VERSION, encode_line, from_json


def endpoint_for(ident):
    folder = os.path.join(tempfile.gettempdir(), "gradient-lab-%d" % os.getuid())
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return os.path.join(folder, ident + ".sock")


class AttachServer:
    def __init__(self, info_file, on_attach):
        """`on_attach(send)` runs on the server thread when a host shows the token: it sends the
        catch-up messages through `send` before any live event reaches that host."""
        self.commands = queue.Queue()
        self._on_attach = on_attach
        self._lock = threading.Lock()
        self._conn = None
        self._closed = False
        self.token = secrets.token_hex(16)
        self.endpoint = endpoint_for("%d-%s" % (os.getpid(), secrets.token_hex(4)))
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.bind(self.endpoint)
        os.chmod(self.endpoint, 0o600)
        self._sock.listen(4)
        self.info_file = info_file
        info = {"pid": os.getpid(), "endpoint": self.endpoint, "token": self.token,
                "startedAt": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z"}
        if os.environ.get("GRADIENT_LAB_LAUNCH_ID"):
            # Set by the extension: finds this folder when the script is not its child (rank 0 under torchrun).
            info["launchId"] = os.environ["GRADIENT_LAB_LAUNCH_ID"]
        from .folder import write_json_atomic  # late: folder imports wire only
        write_json_atomic(info_file, info, mode=0o600)
        threading.Thread(target=self._accept, name="gradient-lab-attach", daemon=True).start()

    @property
    def attached(self):
        return self._conn is not None

    def send(self, message):
        """Sends to the attached host, if any; a host that went away is simply dropped."""
        data = encode_line(dict(message, v=PROTOCOL_VERSION))
        with self._lock:
            conn = self._conn
            if conn is None:
                return
            try:
                conn.sendall(data)
            except OSError:
                self._drop(conn)

    def _drop(self, conn):
        if self._conn is conn:
            self._conn = None
        try:
            conn.close()
        except OSError:
            pass

    def _accept(self):
        while not self._closed:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        buf = b""
        authed = False
        try:
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    if not line.strip():
                        continue
                    try:
                        msg = from_json(line.decode("utf-8"))
                    except ValueError:
                        continue
                    if not authed:
                        if not (isinstance(msg, dict) and msg.get("token") == self.token):
                            return
                        authed = True
                        with self._lock:
                            old, self._conn = self._conn, conn
                            if old is not None:
                                try:
                                    old.close()
                                except OSError:
                                    pass
                            # Catch-up under the lock: no live event may overtake it.
                            self._on_attach(lambda m: conn.sendall(encode_line(dict(m, v=PROTOCOL_VERSION))))
                    elif isinstance(msg, dict):
                        self.commands.put(msg)
        except OSError:
            pass
        finally:
            with self._lock:
                self._drop(conn)

    def remove_info(self):
        try:
            os.remove(self.info_file)
        except OSError:
            pass

    def close(self):
        """Stops listening and removes engine.json; an attached host keeps its connection until
        the process exits (the host reads the socket closing as the end of the run)."""
        self._closed = True
        self.remove_info()
        try:
            self._sock.close()
        except OSError:
            pass
        try:
            os.remove(self.endpoint)
        except OSError:
            pass
