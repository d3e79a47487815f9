"""PKey parity with paramiko: every format ssh-keygen writes, generate, write,
sign/verify, public-only keys, certificates (against a second sshd that
trusts a user CA)."""

import io
import os
import socket
import subprocess
import time

import pytest

import gossh

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def keygen(*args):
    return subprocess.run(["ssh-keygen"] + list(args), capture_output=True, text=True,
                          check=True, stdin=subprocess.DEVNULL).stdout


def pub_of(path):
    return " ".join(open(path).read().split()[:2])


CASES = [
    # ssh-keygen -t, -b, -m, class, type, bits
    ("rsa", "2048", None, gossh.RSAKey, "ssh-rsa", 2048),
    ("rsa", "2048", "PEM", gossh.RSAKey, "ssh-rsa", 2048),
    ("rsa", "2048", "PKCS8", gossh.RSAKey, "ssh-rsa", 2048),
    ("ecdsa", "256", None, gossh.ECDSAKey, "ecdsa-sha2-nistp256", 256),
    ("ecdsa", "384", "PEM", gossh.ECDSAKey, "ecdsa-sha2-nistp384", 384),
    ("ecdsa", "521", "PKCS8", gossh.ECDSAKey, "ecdsa-sha2-nistp521", 521),
    ("ed25519", None, None, gossh.Ed25519Key, "ssh-ed25519", 256),
    ("dsa", None, None, gossh.DSSKey, "ssh-dss", 1024),
    ("dsa", None, "PEM", gossh.DSSKey, "ssh-dss", 1024),
    ("dsa", None, "PKCS8", gossh.DSSKey, "ssh-dss", 1024),
]


def make(tmp_path, t, bits, fmt, password=""):
    path = str(tmp_path / "{}{}-{}{}".format(t, bits or "", fmt or "openssh", "-enc" if password else ""))
    args = ["-q", "-t", t, "-N", password, "-C", "c", "-f", path]
    if bits:
        args += ["-b", bits]
    if fmt:
        args += ["-m", fmt]
    keygen(*args)
    return path


@pytest.mark.parametrize("t,bits,fmt,cls,ktype,nbits", CASES,
                         ids=["{}{}-{}".format(c[0], c[1] or "", c[2] or "openssh") for c in CASES])
def test_load_every_format(tmp_path, t, bits, fmt, cls, ktype, nbits):
    path = make(tmp_path, t, bits, fmt)
    k = gossh.PKey.from_private_key_file(path)
    assert type(k) is cls and k.get_name() == ktype and k.get_bits() == nbits and k.can_sign()
    assert "{} {}".format(k.get_name(), k.get_base64()) == pub_of(path + ".pub")
    assert k.fingerprint == keygen("-lf", path + ".pub").split()[1]
    md5 = keygen("-E", "md5", "-lf", path + ".pub").split()[1]
    assert md5 == "MD5:" + ":".join("%02x" % b for b in k.get_fingerprint())
    assert cls.from_private_key_file(path) == k
    assert cls(filename=path) == k
    with open(path) as f:
        assert cls(file_obj=f) == k
    # public-only forms
    for pk in (cls(data=k.asbytes()), gossh.PKey.from_type_string(ktype, bytes(k)),
               gossh.PKey.from_public_text(open(path + ".pub").read())):
        assert pk == k and hash(pk) == hash(k) and not pk.can_sign() and type(pk) is cls
        assert pk.get_bits() == nbits
    # a signature verifies with the public key alone
    sig = k.sign_ssh_data(b"payload")
    pk = cls(data=k.asbytes())
    assert pk.verify_ssh_sig(b"payload", sig)
    assert not pk.verify_ssh_sig(b"payloaD", sig)
    with pytest.raises(gossh.SSHException):
        pk.sign_ssh_data(b"payload")


@pytest.mark.parametrize("t,bits,fmt", [("rsa", "2048", "PEM"), ("ecdsa", "256", "PEM"),
                                         ("ed25519", None, None), ("dsa", None, None),
                                         ("dsa", None, "PEM"), ("rsa", "2048", None)])
def test_encrypted(tmp_path, t, bits, fmt):
    path = make(tmp_path, t, bits, fmt, password="sekrit")
    with pytest.raises(gossh.PasswordRequiredException):
        gossh.PKey.from_private_key_file(path)
    with pytest.raises(gossh.SSHException):
        gossh.PKey.from_private_key_file(path, password="wrong")
    k = gossh.PKey.from_private_key_file(path, password="sekrit")
    assert "{} {}".format(k.get_name(), k.get_base64()) == pub_of(path + ".pub")


@pytest.mark.parametrize("t,bits", [("rsa", "2048"), ("ecdsa", "384"), ("dsa", None)])
def test_encrypted_pkcs8(tmp_path, t, bits):
    path = make(tmp_path, t, bits, "PKCS8", password="sekrit")
    assert open(path).read().startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(gossh.PasswordRequiredException):
        gossh.PKey.from_private_key_file(path)
    with pytest.raises(gossh.SSHException):
        gossh.PKey.from_private_key_file(path, password="wrong")
    k = gossh.PKey.from_private_key_file(path, password="sekrit")
    assert "{} {}".format(k.get_name(), k.get_base64()) == pub_of(path + ".pub")


def test_bad_input(tmp_path):
    with pytest.raises(gossh.SSHException):
        gossh.PKey.from_private_key(io.StringIO("garbage"))
    with pytest.raises(gossh.SSHException):
        gossh.RSAKey(data=b"\x00\x00\x00\x07ssh-rsa")
    path = make(tmp_path, "ed25519", None, None)
    with pytest.raises(gossh.SSHException):
        gossh.DSSKey.from_private_key_file(path)
    with pytest.raises(gossh.SSHException):
        gossh.RSAKey(filename=path)
    with pytest.raises(IOError):
        gossh.PKey.from_private_key_file(str(tmp_path / "missing"))


@pytest.mark.parametrize("cls,kw,ktype,nbits", [
    (gossh.RSAKey, {"bits": 2048}, "ssh-rsa", 2048),
    (gossh.RSAKey, {}, "ssh-rsa", 3072),
    (gossh.ECDSAKey, {}, "ecdsa-sha2-nistp256", 256),
    (gossh.ECDSAKey, {"bits": 384}, "ecdsa-sha2-nistp384", 384),
    (gossh.ECDSAKey, {"curve": "nistp521"}, "ecdsa-sha2-nistp521", 521),
    (gossh.Ed25519Key, {}, "ssh-ed25519", 256),
    (gossh.DSSKey, {}, "ssh-dss", 1024),
])
def test_generate_and_write(tmp_path, cls, kw, ktype, nbits):
    k = cls.generate(**kw)
    assert type(k) is cls and k.get_name() == ktype and k.get_bits() == nbits and k.can_sign()
    for password in (None, "pass phrase"):
        path = str(tmp_path / "key-{}".format(bool(password)))
        k.write_private_key_file(path, password=password)
        assert os.stat(path).st_mode & 0o777 == 0o600
        args = ["-y", "-f", path] + (["-P", password] if password else [])
        assert " ".join(keygen(*args).split()[:2]) == "{} {}".format(ktype, k.get_base64())
        assert cls.from_private_key_file(path, password=password) == k
    buf = io.StringIO()
    k.write_private_key(buf, password="x")
    assert buf.getvalue().startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    buf.seek(0)
    assert cls.from_private_key(buf, password="x") == k
    with pytest.raises(gossh.SSHException):
        cls(data=k.asbytes()).write_private_key_file(str(tmp_path / "pub-only"))


def test_generate_refuses_bad_sizes():
    with pytest.raises(ValueError):
        gossh.RSAKey.generate(bits=512)
    with pytest.raises(ValueError):
        gossh.ECDSAKey.generate(bits=255)
    with pytest.raises(ValueError):
        gossh.DSSKey.generate(bits=2048)


def test_rsa_signature_algorithms():
    k = gossh.RSAKey.generate(2048)
    for alg, want in [(None, b"rsa-sha2-512"), ("rsa-sha2-256", b"rsa-sha2-256"),
                      ("rsa-sha2-512", b"rsa-sha2-512"), ("ssh-rsa", b"ssh-rsa")]:
        sig = k.sign_ssh_data(b"x", algorithm=alg)
        assert sig[4:4 + len(want)] == want
        assert k.verify_ssh_sig(b"x", sig)
    with pytest.raises(gossh.SSHException):
        k.sign_ssh_data(b"x", algorithm="ssh-ed25519")
    assert not k.verify_ssh_sig(b"x", b"junk")


def test_public_blob():
    k = gossh.Ed25519Key.generate()
    text = "ssh-ed25519 {} comment".format(k.get_base64())
    pb = gossh.PublicBlob.from_string(text)
    assert pb.key_type == "ssh-ed25519" and pb.key_blob == k.asbytes() and pb.comment == "comment"
    with pytest.raises(ValueError):
        gossh.PublicBlob.from_string("ssh-rsa " + k.get_base64())
    assert k.public_blob is None


# -- certificates against a second sshd --------------------------------------


@pytest.fixture
def ca_sshd(env, tmp_path):
    """A second sshd (testenv/extra-sshd.sh) that trusts a fresh user CA.
    Yields (port, known_hosts, ca_path)."""
    ca = str(tmp_path / "ca")
    keygen("-q", "-t", "ed25519", "-N", "", "-C", "ca", "-f", ca)
    kh = str(tmp_path / "known_hosts")
    for _ in range(5):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        proc = subprocess.Popen([os.path.join(ROOT, "testenv", "extra-sshd.sh"), str(port), kh,
                                 "-o", "TrustedUserCAKeys={}.pub".format(ca)],
                                stdin=subprocess.DEVNULL)
        deadline = time.time() + 60  # a hang guard: ends once it listens, or exits
        while time.time() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            proc.kill()
            proc.wait()
            continue
        try:
            yield port, kh, ca
        finally:
            proc.kill()
            proc.wait()
        return
    pytest.fail("could not start a second sshd")


def test_certificate_auth(env, tmp_path, ca_sshd):
    port, kh, ca = ca_sshd
    # A key made by gossh, certified by ssh-keygen.
    key = gossh.ECDSAKey.generate()
    pub = str(tmp_path / "user.pub")
    with open(pub, "w") as f:
        f.write("{} {}\n".format(key.get_name(), key.get_base64()))
    keygen("-q", "-s", ca, "-I", "gossh-py", "-n", env.user, pub)
    cert = str(tmp_path / "user-cert.pub")

    def connect(k):
        c = gossh.SSHClient()
        c.load_host_keys(kh)
        try:
            c.connect(**env.connect_kwargs(port=port, pkey=k))
            _, out, _ = c.exec_command("echo cert-ok")
            return out.read()
        finally:
            c.close()

    with pytest.raises(gossh.AuthenticationException):
        connect(key)
    key.load_certificate(cert)
    assert key.public_blob.key_type == "ecdsa-sha2-nistp256-cert-v01@openssh.com"
    assert key.public_blob == gossh.PublicBlob.from_file(cert)
    assert connect(key) == b"cert-ok\n"
    # From its text too, and a certificate for another key is a ValueError.
    k2 = gossh.ECDSAKey.from_private_key(io.StringIO(_private_text(key)))
    k2.load_certificate(open(cert).read())
    assert connect(k2) == b"cert-ok\n"
    with pytest.raises(ValueError):
        gossh.ECDSAKey.generate().load_certificate(cert)
    with pytest.raises(IOError):
        key.load_certificate(str(tmp_path / "missing-cert.pub"))


def _private_text(k):
    buf = io.StringIO()
    k.write_private_key(buf)
    return buf.getvalue()
