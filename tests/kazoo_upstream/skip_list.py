"""Upstream kazoo tests that zablab skips, each because it needs a feature zablab does not
have. Nothing is listed here because zablab answers it wrongly: such a test must fail.

Keys are "<module file>::<Class>" (the whole class) or "<module file>::<Class>::<test>".
Classes that re-run another class's tests under another handler (TestGeventClient,
TestEventletClient, TestEventletLock, TestEventletSemaphore inherit TestClient, KazooLockTests,
TestSemaphore) are listed under their own names too.
"""

NEEDS_READ_ONLY = ("needs read-only mode (readonlymode.enabled: a member cut off from its "
                   "quorum keeps serving reads, the client sees CONNECTED_RO and writes get "
                   "NotReadOnlyCallError): zablab has no read-only mode, a member without a "
                   "quorum serves no client")
NEEDS_RECONFIG = ("needs dynamic reconfiguration (reconfigEnabled=true on an ensemble): zablab "
                  "has none and answers reconfig (opcode 16) with ReconfigDisabled (-123), as "
                  "ZooKeeper does with reconfigEnabled=false, its default")
NEEDS_SASL_DIGEST = ("needs SASL authentication (DIGEST-MD5 over the SASL request, opcode 102, "
                     "and a JAAS Server section with user_jaasuser): zablab has no SASL and "
                     "answers opcode 102 with Unimplemented")
NEEDS_SASL_GSSAPI = ("needs SASL/Kerberos (GSSAPI with a test KDC): zablab has no SASL; "
                     "upstream also skips it without KRB5_TEST_ENV")

SKIPS = {
    # --- dynamic reconfiguration -------------------------------------------------------
    "test_client.py::TestReconfig": NEEDS_RECONFIG,

    # --- read-only mode ----------------------------------------------------------------
    "test_connection.py::TestReadOnlyMode": NEEDS_READ_ONLY,

    # --- SASL / Kerberos ---------------------------------------------------------------
    "test_sasl.py::TestLegacySASLDigestAuthentication": NEEDS_SASL_DIGEST,
    "test_sasl.py::TestSASLDigestAuthentication": NEEDS_SASL_DIGEST,
    "test_sasl.py::TestSASLGSSAPIAuthentication": NEEDS_SASL_GSSAPI,
}

# Tests that run against a 3-member zablab ensemble instead of the one standalone server: they
# stop server 0 and expect the client, given every member's address, to stay connected.
ENSEMBLE = {
    "test_client.py::TestClient::test_update_host_list",
    "test_gevent_handler.py::TestGeventClient::test_update_host_list",
    "test_eventlet_handler.py::TestEventletClient::test_update_host_list",
}
