#!/usr/bin/python3
"""Hostile or broken bytes on raw sockets: the server drops (or answers) just that connection
and keeps serving everybody else."""

import socket
import time
import unittest

import zlharness
import zljute as jute

MAX_BUFFER = 0xFFFFF   # jute.maxbuffer default: 1,048,575 bytes


class BadInput(zlharness.ServerTestCase):

    def setUp(self):
        super().setUp()
        # a well-behaved kazoo user connected the whole time
        self.bystander = self.client()
        self.path = self.root(self.bystander)
        self.bystander.set(self.path, b"still here")

    def tearDown(self):
        try:
            self.assertServerStillServes()
        finally:
            super().tearDown()

    def assertServerStillServes(self):
        self.server.assert_alive()
        self.assertTrue(self.bystander.connected)
        self.assertEqual(self.bystander.get(self.path)[0], b"still here")
        self.bystander.create(self.path + "/probe-", sequence=True, ephemeral=True)
        fresh = self.client()
        self.assertEqual(fresh.get(self.path)[0], b"still here")
        with jute.RawClient(self.server.port) as c:
            c.handshake()
            xid, _, err, _ = c.call(1, jute.OP_EXISTS, jute.path_watch_body(self.path))
            self.assertEqual((xid, err), (1, 0))

    def raw(self, handshake=True):
        c = jute.RawClient(self.server.port)
        self.addCleanup(c.close)
        if handshake:
            c.handshake()
        return c

    # ----- framing ---------------------------------------------------------------------

    def test_oversized_frame_after_handshake_closes_connection(self):
        c = self.raw()
        c.send_raw(jute.i32(MAX_BUFFER + 1) + b"\x00" * 4096)
        self.assertEqual(c.read_until_closed(5.0), b"", "expected a close without any reply")

    def test_oversized_frame_before_handshake_closes_connection(self):
        c = self.raw(handshake=False)
        c.send_raw(jute.i32(2 * 1024 * 1024) + b"\x00" * 4096)
        self.assertEqual(c.read_until_closed(5.0), b"")

    def test_frame_size_boundary(self):
        for total, accepted in ((MAX_BUFFER, True), (MAX_BUFFER + 1, False)):
            c = self.raw()
            path = self.path + "/big%d" % total
            fixed = len(jute.request(5, jute.OP_CREATE, jute.create_body(path, b"")))
            payload = jute.request(5, jute.OP_CREATE, jute.create_body(path, b"z" * (total - fixed)))
            self.assertEqual(len(payload), total)
            try:
                c.send_frame(payload)
            except (BrokenPipeError, ConnectionResetError):
                # The server may close on reading the length prefix, while the payload is still
                # being sent: that is the refusal we expect, seen from the sending side.
                self.assertFalse(accepted, "server closed a frame of exactly jute.maxbuffer bytes")
                self.assertIsNone(self.bystander.exists(path))
                continue
            if accepted:
                xid, _, err, r = c.read_reply(10.0)
                self.assertEqual((xid, err), (5, 0))
                self.assertEqual(r.ustring(), path)
                self.assertEqual(self.bystander.exists(path).dataLength, total - fixed)
            else:
                self.assertEqual(c.read_until_closed(10.0), b"")
                self.assertIsNone(self.bystander.exists(path))

    def test_negative_frame_length_closes_connection(self):
        c = self.raw()
        c.send_raw(jute.i32(-5) + b"\x00" * 16)
        self.assertEqual(c.read_until_closed(5.0), b"")

    def test_frame_too_short_for_request_header_closes_connection(self):
        c = self.raw()
        c.send_frame(b"\x00\x00\x00\x01\x00")
        self.assertEqual(c.read_until_closed(5.0), b"")

    def test_pipelined_and_fragmented_frames(self):
        c = self.raw()
        # several requests in one write: answered in order
        blob = b"".join(jute.frame(jute.request(xid, jute.OP_EXISTS, jute.path_watch_body(self.path)))
                        for xid in range(10, 16))
        c.send_raw(blob)
        self.assertEqual([c.read_reply()[0] for _ in range(6)], list(range(10, 16)))
        # one request dribbled a byte at a time
        data = jute.frame(jute.request(20, jute.OP_GETDATA, jute.path_watch_body(self.path)))
        for i in range(len(data)):
            c.send_raw(data[i:i + 1])
            time.sleep(0.002)
        xid, _, err, r = c.read_reply()
        self.assertEqual((xid, err), (20, 0))
        self.assertEqual(r.buffer(), b"still here")

    def test_client_vanishing_mid_frame(self):
        for _ in range(3):
            c = self.raw()
            c.send_raw(jute.i32(200) + b"partial")
            c.sock.shutdown(socket.SHUT_RDWR)
            c.close()
        c = self.raw(handshake=False)
        c.send_raw(jute.i32(45) + b"\x00" * 10)   # half a ConnectRequest
        c.close()

    # ----- handshake -------------------------------------------------------------------

    def test_garbage_connect_request_closes_connection(self):
        c = self.raw(handshake=False)
        c.send_frame(b"\x00\x01\x02")
        self.assertEqual(c.read_until_closed(5.0), b"")

    def test_first_frame_not_a_connect_request(self):
        c = self.raw(handshake=False)
        c.send_frame(jute.request(1, jute.OP_GETDATA, jute.path_watch_body(self.path)))
        self.assertEqual(c.read_until_closed(5.0), b"")

    def test_connect_with_future_zxid_is_refused_silently(self):
        c = self.raw(handshake=False)
        c.send_frame(jute.connect_request(last_zxid=1 << 40))
        self.assertEqual(c.read_until_closed(5.0), b"")

    def test_old_client_connect_without_read_only_flag(self):
        c = self.raw(handshake=False)
        c.send_frame(jute.connect_request()[:-1])      # 44 bytes, pre-3.4 clients
        body = c.read_frame()
        self.assertEqual(len(body), 36, "no readOnly byte when the request had none")
        rd = jute.Reader(body)
        self.assertEqual(rd.int(), 0)
        self.assertEqual(rd.int(), 10000)
        self.assertNotEqual(rd.long(), 0)
        self.assertEqual(len(rd.buffer()), 16)
        xid, _, err, _ = c.call(1, jute.OP_EXISTS, jute.path_watch_body(self.path))
        self.assertEqual((xid, err), (1, 0))

    # ----- requests --------------------------------------------------------------------

    def test_unknown_opcode_answers_unimplemented_then_closes(self):
        for op in (999, 10):
            c = self.raw()
            c.send_frame(jute.request(7, op, jute.ustring(self.path)))
            xid, _, err, _ = c.read_reply()
            self.assertEqual((xid, err), (7, jute.UNIMPLEMENTED), "opcode %d" % op)
            self.assertEqual(c.read_until_closed(5.0), b"", "opcode %d" % op)

    def test_malformed_request_body_answers_marshalling_error(self):
        bodies = {
            "truncated path": jute.i32(10) + self.path.encode()[:3],
            "no body": b"",
            "huge string length": jute.i32(0x7FFFFFFF) + b"/x\x00",
            "negative string length": jute.i32(-2) + b"/x\x00",
            "missing watch flag": jute.ustring(self.path),
        }
        c = self.raw()
        xid = 0
        for label, body in bodies.items():
            xid += 1
            c.send_frame(jute.request(xid, jute.OP_GETDATA, body))
            rxid, _, err, r = c.read_reply()
            self.assertEqual((rxid, err), (xid, jute.MARSHALLING_ERROR), label)
            self.assertEqual(r.left(), 0, "an error reply is the header alone (%s)" % label)
            # the connection stays usable
            xid += 1
            rxid, _, err, r = c.call(xid, jute.OP_GETDATA, jute.path_watch_body(self.path))
            self.assertEqual((rxid, err), (xid, 0), "after " + label)
            self.assertEqual(r.buffer(), b"still here")
        # a truncated create: nothing is created
        xid += 1
        c.send_frame(jute.request(xid, jute.OP_CREATE,
                                  jute.ustring(self.path + "/half") + jute.i32(0x7FFFFFFF) + b"ab"))
        rxid, _, err, _ = c.read_reply()
        self.assertEqual((rxid, err), (xid, jute.MARSHALLING_ERROR))
        self.assertIsNone(self.bystander.exists(self.path + "/half"))
        c.send_frame(jute.request(-2, jute.OP_PING))
        self.assertEqual(c.read_reply()[0], -2)

    def test_trailing_bytes_after_a_valid_body_are_ignored(self):
        # Apache reads the fields it expects and ignores the rest of the frame.
        c = self.raw()
        xid, _, err, r = c.call(3, jute.OP_GETDATA,
                                jute.path_watch_body(self.path) + b"extra bytes")
        self.assertEqual((xid, err), (3, 0))
        self.assertEqual(r.buffer(), b"still here")

    def test_many_bad_connections_in_a_row(self):
        for i in range(30):
            c = jute.RawClient(self.server.port)
            try:
                kind = i % 3
                if kind == 0:
                    c.send_raw(jute.i32(MAX_BUFFER + 1 + i))
                elif kind == 1:
                    c.send_frame(b"\xff" * (i % 20 + 1))   # shorter than a ConnectRequest
                else:
                    c.handshake()
                    c.send_frame(b"\x00")
                self.assertEqual(c.read_until_closed(5.0), b"")
            finally:
                c.close()


if __name__ == "__main__":
    zlharness.main()
