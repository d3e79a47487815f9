"""Keys as paramiko loads them: UnknownKeyType, PKey.from_path with its
certificate, key_filename with <key>-cert.pub, PKey.identifiers()."""

import os
import subprocess

import pytest

import gossh

# openssl genpkey -algorithm ed448: a key type neither gossh nor paramiko knows.
ED448 = (
    "-----BEGIN PRIVATE KEY-----\n"
    "MEcCAQAwBQYDK2VxBDsEOR1FrTtp9JeCFFZgauqyjeNBuxuYUL0R7mg1RqNGhKfs\n"
    "Zu9o0oUHJuhXD7jeqo6ynCinQwiX6msxSg==\n"
    "-----END PRIVATE KEY-----\n"
)


def test_unknown_key_type(tmp_path):
    p = tmp_path / "ed448"
    p.write_text(ED448)
    with pytest.raises(gossh.UnknownKeyType) as ei:
        gossh.PKey.from_path(p)
    assert ei.value.key_bytes == ED448.encode()
    with pytest.raises(gossh.UnknownKeyType) as ei:
        gossh.PKey.from_type_string("ssh-ed448", b"\x00\x00\x00\x09ssh-ed448\x00\x00\x00\x00")
    assert ei.value.key_type == "ssh-ed448"
    from gossh.pkey import UnknownKeyType

    assert UnknownKeyType is gossh.UnknownKeyType


def test_not_a_key_file(tmp_path):
    p = tmp_path / "notakey"
    p.write_text("hello\n")
    with pytest.raises(ValueError):  # paramiko's crypto backend raises ValueError
        gossh.PKey.from_path(p)
    with pytest.raises(gossh.SSHException):
        gossh.RSAKey.from_private_key_file(str(p))


def test_from_path_gives_the_keys_class(env):
    for name, cls in [("id_ed25519", gossh.Ed25519Key), ("id_rsa", gossh.RSAKey),
                      ("id_ecdsa", gossh.ECDSAKey)]:
        k = gossh.PKey.from_path(env.key(name))
        assert type(k) is cls and k.can_sign()
    assert gossh.Ed25519Key.identifiers() == ["ssh-ed25519"]
    assert "rsa-sha2-512" in gossh.RSAKey.identifiers()
    assert "ecdsa-sha2-nistp256" in gossh.PKey.identifiers()


@pytest.fixture
def cert_server(env, sshd_variant, tmp_path):
    """A server trusting a new user CA, and a key 'user' with a certificate
    'user-cert.pub' from it (the bare key is not authorized)."""
    def keygen(*args):
        subprocess.run(["ssh-keygen", "-q"] + list(args), check=True, capture_output=True)

    keygen("-t", "ed25519", "-N", "", "-C", "ca", "-f", str(tmp_path / "ca"))
    keygen("-t", "ecdsa", "-N", "", "-f", str(tmp_path / "user"))
    keygen("-s", str(tmp_path / "ca"), "-I", "gossh-test", "-n", env.user,
           str(tmp_path / "user.pub"))
    port = sshd_variant({"TrustedUserCAKeys": str(tmp_path / "ca.pub")})
    return port, tmp_path


def _connect(env, port, **kw):
    c = gossh.SSHClient()
    c.set_missing_host_key_policy(gossh.AutoAddPolicy())
    c.connect(**env.connect_kwargs(port=port, **kw))
    _, out, _ = c.exec_command("echo cert-ok")
    assert out.read() == b"cert-ok\n"
    c.close()


def test_certificates_as_paramiko_loads_them(env, cert_server):
    port, d = cert_server
    # key_filename=<key> also loads <key>-cert.pub; the certificate's path works too.
    _connect(env, port, key_filename=str(d / "user"))
    _connect(env, port, key_filename=str(d / "user-cert.pub"))
    # PKey.from_path does the same, from either path.
    for p in (d / "user", d / "user-cert.pub"):
        k = gossh.PKey.from_path(p)
        assert type(k) is gossh.ECDSAKey
        assert k.public_blob is not None and k.public_blob.key_type.endswith("-cert-v01@openssh.com")
        _connect(env, port, pkey=k)
    # Without the certificate the key alone is refused.
    os.rename(d / "user-cert.pub", d / "elsewhere.pub")
    with pytest.raises(gossh.AuthenticationException):
        _connect(env, port, key_filename=str(d / "user"))
