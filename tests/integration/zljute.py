"""Minimal ZooKeeper wire codec for raw-socket tests (big-endian jute, length-prefixed frames).

Written independently of the server under test, from the public protocol, so the tests can
send exactly the bytes they mean (also malformed ones) and read every reply frame.
"""

import socket
import struct
import time

# opcodes
OP_CREATE, OP_DELETE, OP_EXISTS, OP_GETDATA, OP_SETDATA = 1, 2, 3, 4, 5
OP_GETCHILDREN, OP_SYNC, OP_PING, OP_GETCHILDREN2, OP_MULTI = 8, 9, 11, 12, 14
OP_CLOSE = -11

# special xids
XID_NOTIFICATION, XID_PING = -1, -2

# error codes
OK, MARSHALLING_ERROR, UNIMPLEMENTED, BAD_ARGUMENTS = 0, -5, -6, -8
NO_NODE, NODE_EXISTS = -101, -110

# event types
NODE_CREATED, NODE_DELETED, NODE_DATA_CHANGED, NODE_CHILDREN_CHANGED = 1, 2, 3, 4


def i32(v):
    return struct.pack(">i", v)


def i64(v):
    return struct.pack(">q", v)


def boolean(v):
    return b"\x01" if v else b"\x00"


def buffer(b):
    if b is None:
        return i32(-1)
    return i32(len(b)) + b


def ustring(s):
    if s is None:
        return i32(-1)
    b = s.encode("utf-8")
    return i32(len(b)) + b


def frame(payload):
    return i32(len(payload)) + payload


def connect_request(timeout_ms=10000, session_id=0, passwd=b"\x00" * 16, last_zxid=0,
                    read_only=False):
    """45-byte ConnectRequest body (protocolVersion, lastZxidSeen, timeOut, sessionId,
    passwd, readOnly)."""
    return (i32(0) + i64(last_zxid) + i32(timeout_ms) + i64(session_id) + buffer(passwd)
            + boolean(read_only))


def request(xid, op, body=b""):
    return i32(xid) + i32(op) + body


OPEN_ACL_UNSAFE = i32(1) + i32(31) + ustring("world") + ustring("anyone")


def create_body(path, data=b"", flags=0, acl=OPEN_ACL_UNSAFE):
    return ustring(path) + buffer(data) + acl + i32(flags)


def path_watch_body(path, watch=False):
    return ustring(path) + boolean(watch)


def set_data_body(path, data, version=-1):
    return ustring(path) + buffer(data) + i32(version)


class Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def left(self):
        return len(self.data) - self.pos

    def int(self):
        v = struct.unpack_from(">i", self.data, self.pos)[0]
        self.pos += 4
        return v

    def long(self):
        v = struct.unpack_from(">q", self.data, self.pos)[0]
        self.pos += 8
        return v

    def bool(self):
        v = self.data[self.pos] != 0
        self.pos += 1
        return v

    def buffer(self):
        n = self.int()
        if n < 0:
            return None
        v = self.data[self.pos:self.pos + n]
        if len(v) != n:
            raise ValueError("short buffer")
        self.pos += n
        return v

    def ustring(self):
        b = self.buffer()
        return None if b is None else b.decode("utf-8")

    def stat(self):
        names = ["czxid", "mzxid", "ctime", "mtime", "version", "cversion", "aversion",
                 "ephemeralOwner", "dataLength", "numChildren", "pzxid"]
        kinds = "qqqqiiiqiiq"
        out = {}
        for name, k in zip(names, kinds):
            out[name] = self.long() if k == "q" else self.int()
        return out


class RawClient:
    """A blocking socket speaking frames; every read is bounded by a timeout."""

    def __init__(self, port, host="127.0.0.1", timeout=5.0, source=None):
        """source: the local address to connect from (127.0.0.2 is another loopback address)."""
        self.sock = socket.create_connection((host, port), timeout=timeout,
                                             source_address=None if source is None else (source, 0))
        self.timeout = timeout
        self._buf = b""
        self.session_id = None
        self.negotiated_timeout = None
        self.passwd = None
        self.events = []          # (type, state, path) notifications seen by call()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def send_raw(self, data):
        self.sock.sendall(data)

    def send_frame(self, payload):
        self.sock.sendall(frame(payload))

    def _recv_exact(self, n, deadline):
        while len(self._buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no complete frame within %.1f s" % self.timeout)
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by server (buffered %d bytes)" % len(self._buf))
            self._buf += chunk
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def read_frame(self, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        n = struct.unpack(">i", self._recv_exact(4, deadline))[0]
        return self._recv_exact(n, deadline)

    def handshake(self, timeout_ms=10000, session_id=0, passwd=b"\x00" * 16):
        self.send_frame(connect_request(timeout_ms, session_id, passwd))
        body = self.read_frame()
        r = Reader(body)
        proto = r.int()
        self.negotiated_timeout = r.int()
        self.session_id = r.long()
        self.passwd = r.buffer()
        read_only = r.bool() if r.left() else None
        return {"protocolVersion": proto, "timeOut": self.negotiated_timeout,
                "sessionId": self.session_id, "passwd": self.passwd, "readOnly": read_only,
                "length": len(body)}

    def read_reply(self, timeout=None):
        """Returns (xid, zxid, err, Reader over the body)."""
        body = self.read_frame(timeout)
        r = Reader(body)
        xid = r.int()
        zxid = r.long()
        err = r.int()
        return xid, zxid, err, r

    def read_until_closed(self, timeout=None):
        """Read until EOF (bounded). Returns the bytes received before the close."""
        deadline = time.monotonic() + (timeout or self.timeout)
        data = self._buf
        self._buf = b""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("connection still open after %.1f s" % (timeout or self.timeout))
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                return data
            if not chunk:
                return data
            data += chunk

    def call(self, xid, op, body=b""):
        """Send one request, read replies until the one with this xid (notifications are
        collected into self.events)."""
        self.send_frame(request(xid, op, body))
        while True:
            rxid, zxid, err, r = self.read_reply()
            if rxid == XID_NOTIFICATION:
                self.events.append((r.int(), r.int(), r.ustring()))
                continue
            return rxid, zxid, err, r
