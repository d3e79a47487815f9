"""Issue 7 through the Python binding, against the real sshd:

A. no key text, password or passphrase in any exception (message, args,
   attributes, chained causes) or log record, even at DEBUG;
B. out-of-range ports, pty sizes and keepalive intervals are the library's
   GOSSH_E_INVALID (which the binding maps to ValueError), decided in core.
"""

import io
import logging

import pytest

import gossh
from gossh import _lib

PASSWORD = "pw-Xq7zLr2v-never-shown"
PASSPHRASE = "pp-Mn4wTk9s-never-shown"


@pytest.fixture(scope="module")
def key_text():
    buf = io.StringIO()
    gossh.Ed25519Key.generate().write_private_key(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def secrets(key_text):
    body = [l for l in key_text.splitlines() if l and not l.startswith("-----")]
    return [key_text, key_text.strip(), PASSWORD, PASSPHRASE] + body


def _texts_of(exc):
    """Every text an exception carries: str, repr, args, attributes, and
    the same for its cause and context."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield str(exc)
        yield repr(exc)
        for a in exc.args:
            yield repr(a)
        for k, v in vars(exc).items():
            yield "{}={!r}".format(k, v)
        exc = exc.__cause__ or exc.__context__


def assert_no_secret(texts, secrets, where):
    for t in texts:
        for s in secrets:
            assert s not in t, "{} repeats a secret ({!r}...): {!r}".format(where, s[:20], t[:300])
        assert "PRIVATE KEY" not in t and "-----BEGIN" not in t, "{}: {!r}".format(where, t[:300])


def assert_log_clean(caplog, secrets):
    assert caplog.records, "no log record at all: the capture does not work"
    assert_no_secret([r.getMessage() for r in caplog.records], secrets, "log record")


# -- A. secrets -------------------------------------------------------------


def test_key_text_as_key_filename_and_a_wrong_password(env, client, key_text, secrets, caplog):
    caplog.set_level(logging.DEBUG)
    # No password: the key file's error is the one raised.
    with pytest.raises(Exception) as ei:
        client.connect(**env.connect_kwargs(key_filename=key_text, passphrase=PASSPHRASE))
    assert isinstance(ei.value, OSError), repr(ei.value)  # GOSSH_E_IO
    assert "<key material, not shown>" in str(ei.value)
    assert_no_secret(_texts_of(ei.value), secrets, "connect(key_filename=<key text>)")
    assert_log_clean(caplog, secrets)

    # A wrong password, a wrong passphrase for an encrypted key and a key the
    # server does not know as well.
    caplog.clear()
    c = gossh.SSHClient()
    c.load_host_keys(env.known_hosts)
    try:
        with pytest.raises(gossh.AuthenticationException) as ei:
            c.connect(**env.connect_kwargs(
                key_filename=[env.key("id_ed25519_enc"), env.key("id_wrong"), key_text],
                password=PASSWORD, passphrase=PASSPHRASE))
    finally:
        c.close()
    assert_no_secret(_texts_of(ei.value), secrets, "connect(wrong password)")
    assert_log_clean(caplog, secrets)


def test_key_text_to_load_certificate(key_text, secrets, caplog):
    caplog.set_level(logging.DEBUG)
    k = gossh.Ed25519Key.generate()
    with pytest.raises(Exception) as ei:
        k.load_certificate(key_text)
    assert_no_secret(_texts_of(ei.value), secrets, "load_certificate(<key text>)")
    assert_no_secret([r.getMessage() for r in caplog.records], secrets, "log record")


def test_key_text_as_private_key_file(key_text, secrets):
    with pytest.raises(Exception) as ei:
        gossh.Ed25519Key.from_private_key_file(key_text, password=PASSPHRASE)
    assert_no_secret(_texts_of(ei.value), secrets, "from_private_key_file(<key text>)")


def test_key_text_as_known_hosts(key_text, secrets):
    c = gossh.SSHClient()
    try:
        for f in (c.load_host_keys, gossh.HostKeys().load):
            try:
                f(key_text)
            except Exception as e:  # noqa: BLE001 - any error, as long as it is clean
                assert_no_secret(_texts_of(e), secrets, f.__qualname__ + "(<key text>)")
    finally:
        c.close()


def test_key_text_as_public_blob(key_text, secrets):
    for text in (key_text, key_text.splitlines()[1]):
        with pytest.raises(Exception) as ei:
            gossh.PKey.from_public_text(text)
        assert_no_secret(_texts_of(ei.value), secrets, "from_public_text")
        with pytest.raises(Exception) as ei:
            gossh.PublicBlob.from_string(text)
        assert_no_secret(_texts_of(ei.value), secrets, "PublicBlob.from_string")


@pytest.mark.parametrize("option", ["port", "timeout", "banner_timeout", "auth_timeout"])
def test_password_as_an_option_value(env, client, secrets, option, caplog):
    caplog.set_level(logging.DEBUG)
    for value in (PASSWORD, PASSWORD.encode()):
        with pytest.raises(ValueError) as ei:
            client.connect(**env.connect_kwargs(**{option: value}))
        assert getattr(ei.value, "gossh_code", None) == _lib.E_INVALID, repr(ei.value)
        assert option in str(ei.value)
        assert_no_secret(_texts_of(ei.value), secrets, "connect({}=<password>)".format(option))
    assert_no_secret([r.getMessage() for r in caplog.records], secrets, "log record")


# -- B. out-of-range numbers --------------------------------------------------


def _invalid(excinfo):
    assert getattr(excinfo.value, "gossh_code", None) == _lib.E_INVALID, repr(excinfo.value)


@pytest.fixture
def connected(env, client):
    client.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519")))
    return client


@pytest.mark.parametrize("port", [65536, -1, 2 ** 32 + 22])
def test_request_port_forward_out_of_range(connected, port):
    t = connected.get_transport()
    with pytest.raises(ValueError) as ei:
        t.request_port_forward("127.0.0.1", port)
    _invalid(ei)


@pytest.mark.parametrize("port", [70000, -1, 2 ** 32 + 22])
def test_direct_tcpip_port_out_of_range(connected, port):
    t = connected.get_transport()
    with pytest.raises(ValueError) as ei:
        t.open_channel("direct-tcpip", ("127.0.0.1", port), ("127.0.0.1", 0))
    _invalid(ei)


def test_pty_sizes_out_of_range(connected):
    chan = connected.get_transport().open_session()
    try:
        for kw in ({"width": 70000}, {"height": -1}, {"width_pixels": -1}, {"width": 2 ** 32 + 80}):
            with pytest.raises(ValueError) as ei:
                chan.get_pty(**kw)
            _invalid(ei)
        chan.get_pty()  # the channel is still usable
        for args in ((-1, 24), (80, 70000)):
            with pytest.raises(ValueError) as ei:
                chan.resize_pty(*args)
            _invalid(ei)
        chan.resize_pty(100, 40)
    finally:
        chan.close()


def test_negative_keepalive(connected):
    t = connected.get_transport()
    for interval in (-1, -0.0001):
        with pytest.raises(ValueError) as ei:
            t.set_keepalive(interval)
        _invalid(ei)
    t.set_keepalive(0)
    t.set_keepalive(0.0001)  # rounds up to 1 ms, never to "off"
    t.set_keepalive(0)
