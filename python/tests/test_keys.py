"""Keys: loading, names, fingerprints, comparison."""

import io
import subprocess

import pytest

import gossh


@pytest.mark.parametrize("name,cls,ktype", [
    ("id_ed25519", gossh.Ed25519Key, "ssh-ed25519"),
    ("id_ecdsa", gossh.ECDSAKey, "ecdsa-sha2-nistp256"),
    ("id_rsa", gossh.RSAKey, "ssh-rsa"),
    ("id_rsa_pem", gossh.RSAKey, "ssh-rsa"),
])
def test_load_key(env, name, cls, ktype):
    k = gossh.PKey.from_private_key_file(env.key(name))
    assert type(k) is cls and k.get_name() == ktype and k.can_sign()
    pub = open(env.key(name + ".pub")).read().split()
    assert pub[0] == ktype and pub[1] == k.get_base64()
    fp = subprocess.run(["ssh-keygen", "-lf", env.key(name + ".pub")],
                        capture_output=True, text=True, check=True).stdout.split()[1]
    assert k.fingerprint == fp
    assert len(k.get_fingerprint()) == 16
    assert k.get_bits() > 0
    # the same key through the subclass, file objects and the constructor
    assert cls.from_private_key_file(env.key(name)) == k
    with open(env.key(name)) as f:
        assert cls.from_private_key(f) == k
    assert cls(filename=env.key(name)) == k
    assert hash(cls(filename=env.key(name))) == hash(k)
    pub_only = gossh.PKey.from_public_text(" ".join(pub))
    assert pub_only == k and not pub_only.can_sign() and type(pub_only) is cls
    assert cls(data=k.asbytes()) == k


def test_wrong_class(env):
    with pytest.raises(gossh.SSHException):
        gossh.RSAKey.from_private_key_file(env.key("id_ed25519"))


def test_encrypted_key(env):
    with pytest.raises(gossh.PasswordRequiredException):
        gossh.PKey.from_private_key_file(env.key("id_ed25519_enc"))
    k = gossh.Ed25519Key.from_private_key_file(env.key("id_ed25519_enc"), password=env.passphrase)
    assert k.get_base64() == open(env.key("id_ed25519_enc.pub")).read().split()[1]
    with pytest.raises(gossh.SSHException):
        gossh.Ed25519Key.from_private_key_file(env.key("id_ed25519_enc"), password="wrong")


def test_bad_key_data():
    with pytest.raises(gossh.SSHException):
        gossh.PKey.from_private_key(io.StringIO("not a key"))


def test_missing_key_file(tmp_path):
    with pytest.raises(IOError):
        gossh.PKey.from_private_key_file(str(tmp_path / "nope"))
