"""Corrupted or costly private keys are refused: a key whose halves disagree
is an SSHException (never a key that signs for another one), and files or
calls that ask for too much work fail at once, naming the limit."""

import base64
import io
import struct
import subprocess

import pytest

import gossh


def keygen(*args):
    subprocess.run(["ssh-keygen"] + list(args), capture_output=True, check=True,
                   stdin=subprocess.DEVNULL)


def body_of(text):
    """The decoded body of an OpenSSH PEM text."""
    lines = text.strip().splitlines()
    return base64.b64decode("".join(lines[1:-1]))


def openssh_pem(body):
    b64 = base64.b64encode(body).decode()
    lines = [b64[i:i + 70] for i in range(0, len(b64), 70)]
    return "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----\n".format(
        "\n".join(lines))


def test_corrupted_ed25519_seed_is_a_key_error(tmp_path):
    path = str(tmp_path / "ed")
    keygen("-q", "-t", "ed25519", "-N", "", "-C", "c", "-f", path)
    text = open(path).read()
    gossh.Ed25519Key.from_private_key(io.StringIO(text))  # the intact key loads
    body = bytearray(body_of(text))
    # The public key appears three times: the outer blob, the inner copy,
    # and after the 32-byte seed in the 64-byte private half.
    pub = base64.b64decode(open(path + ".pub").read().split()[1])[-32:]
    at = body.rfind(pub) - 32
    assert at > 0 and body.count(pub) == 3
    body[at + 10] ^= 0x01  # one bit of the seed
    corrupted = openssh_pem(bytes(body))
    with open(path, "w") as f:
        f.write(corrupted)
    for load in (lambda: gossh.PKey.from_private_key_file(path),
                 lambda: gossh.Ed25519Key(filename=path),
                 lambda: gossh.PKey.from_private_key(io.StringIO(corrupted))):
        with pytest.raises(gossh.SSHException) as e:
            load()
        assert not isinstance(e.value, gossh.PasswordRequiredException)
        assert "does not match" in str(e.value)


def test_bcrypt_rounds_over_the_limit_fail_fast(tmp_path):
    path = str(tmp_path / "enc")
    keygen("-q", "-t", "ed25519", "-N", "pw", "-a", "16", "-f", path)
    body = bytearray(body_of(open(path).read()))
    # magic(15) "aes256-ctr"(4+10) "bcrypt"(4+6) kdfopts(4) salt(4+16) rounds(4)
    assert body[19:29] == b"aes256-ctr" and body[33:39] == b"bcrypt"
    assert struct.unpack(">I", body[63:67])[0] == 16
    body[63:67] = struct.pack(">I", 100000)  # hours of bcrypt
    data = openssh_pem(bytes(body))
    for password in ("pw", None):
        # Refused before any KDF work (100000 rounds would take hours), with
        # or without a password.
        with pytest.raises(gossh.SSHException) as e:
            gossh.PKey.from_private_key(io.StringIO(data), password=password)
        assert "512" in str(e.value) and not isinstance(e.value, gossh.PasswordRequiredException)


def test_generate_and_size_limits():
    with pytest.raises(ValueError, match="8192"):
        gossh.RSAKey.generate(8193)
    with pytest.raises(ValueError, match="1048576"):
        gossh.PKey.from_private_key(io.BytesIO(b"A" * ((1 << 20) + 1)))
