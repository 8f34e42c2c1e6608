"""Upstream kazoo tests that zablab skips, each because it needs a feature zablab does not
have. Nothing is listed here because zablab answers it wrongly: such a test must fail.

Keys are "<module file>::<Class>" (the whole class) or "<module file>::<Class>::<test>".
Classes that re-run another class's tests under another handler (TestGeventClient,
TestEventletClient, TestEventletLock, TestEventletSemaphore inherit TestClient, KazooLockTests,
TestSemaphore) are listed under their own names too.
"""

NEEDS_ENSEMBLE = ("needs a 3-server ensemble (a second server that serves the same data "
                  "after the first stops): zablab has no replication yet")
NEEDS_READ_ONLY = ("needs a 3-server ensemble and read-only mode (stops 2 of 3 servers, "
                   "expects CONNECTED_RO and NotReadOnlyCallError): zablab has no replication "
                   "and no read-only mode")
NEEDS_RECONFIG = ("needs dynamic reconfiguration (the reconfig request, opcode 16, on a "
                  "quorum with reconfigEnabled=true): zablab is standalone-only and has no "
                  "reconfig")
NEEDS_SASL_DIGEST = ("needs SASL authentication (DIGEST-MD5 over the SASL request, opcode 102, "
                     "and a JAAS Server section with user_jaasuser): zablab has no SASL")
NEEDS_SASL_GSSAPI = ("needs SASL/Kerberos (GSSAPI with a test KDC): zablab has no SASL; "
                     "upstream also skips it without KRB5_TEST_ENV")

SKIPS = {
    # --- dynamic reconfiguration -------------------------------------------------------
    "test_client.py::TestReconfig": NEEDS_RECONFIG,

    # --- a real ensemble ---------------------------------------------------------------
    "test_client.py::TestClient::test_update_host_list": NEEDS_ENSEMBLE,
    "test_gevent_handler.py::TestGeventClient::test_update_host_list": NEEDS_ENSEMBLE,
    "test_eventlet_handler.py::TestEventletClient::test_update_host_list": NEEDS_ENSEMBLE,
    "test_connection.py::TestReadOnlyMode": NEEDS_READ_ONLY,

    # --- SASL / Kerberos ---------------------------------------------------------------
    "test_sasl.py::TestLegacySASLDigestAuthentication": NEEDS_SASL_DIGEST,
    "test_sasl.py::TestSASLDigestAuthentication": NEEDS_SASL_DIGEST,
    "test_sasl.py::TestSASLGSSAPIAuthentication": NEEDS_SASL_GSSAPI,
}
