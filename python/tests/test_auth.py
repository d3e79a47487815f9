"""Authentication against the real sshd."""

import pytest

import gossh


@pytest.mark.parametrize("keyname", ["id_ed25519", "id_ecdsa", "id_rsa", "id_rsa_pem"])
def test_key_filename_auth(env, client, keyname):
    client.connect(**env.connect_kwargs(key_filename=env.key(keyname)))
    t = client.get_transport()
    assert t is not None and t.is_active() and t.is_authenticated()
    _, out, _ = client.exec_command("echo ok")
    assert out.read() == b"ok\n"


@pytest.mark.parametrize("keyname", ["id_ed25519", "id_ecdsa", "id_rsa"])
def test_pkey_auth(env, client, keyname):
    key = gossh.PKey.from_private_key_file(env.key(keyname))
    client.connect(**env.connect_kwargs(pkey=key))
    assert client.get_transport().is_authenticated()


def test_key_filename_list(env, client):
    # The unauthorized key is tried first, then the good one.
    client.connect(**env.connect_kwargs(key_filename=[env.key("id_wrong"), env.key("id_ecdsa")]))
    assert client.get_transport().is_authenticated()


def test_encrypted_key_with_passphrase(env, client):
    client.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519_enc"),
                                        passphrase=env.passphrase))
    assert client.get_transport().is_authenticated()


def test_encrypted_key_unlocked_by_password(env, client):
    # paramiko: password also unlocks keys when no passphrase is given.
    client.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519_enc"),
                                        password=env.passphrase))
    assert client.get_transport().is_authenticated()


def test_encrypted_pkey(env, client):
    key = gossh.Ed25519Key.from_private_key_file(env.key("id_ed25519_enc"),
                                                 password=env.passphrase)
    client.connect(**env.connect_kwargs(pkey=key))
    assert client.get_transport().is_authenticated()


def test_encrypted_key_without_passphrase(env, client):
    with pytest.raises(gossh.PasswordRequiredException):
        client.connect(**env.connect_kwargs(key_filename=env.key("id_ed25519_enc")))
    assert client.get_transport() is None


def test_wrong_key(env, client):
    with pytest.raises(gossh.AuthenticationException):
        client.connect(**env.connect_kwargs(key_filename=env.key("id_wrong")))
    assert client.get_transport() is None


def test_password_auth(env, client):
    if not env.password:
        pytest.skip("password authentication unavailable (GOSSH_TEST_PASSWORD empty: "
                    "the test sshd needs root to set a password)")
    client.connect(**env.connect_kwargs(password=env.password))
    assert client.get_transport().is_authenticated()
    _, out, _ = client.exec_command("whoami")
    assert out.read().decode().strip() == env.user


def test_wrong_password(env, client):
    if not env.password:
        pytest.skip("password authentication unavailable (GOSSH_TEST_PASSWORD empty)")
    with pytest.raises(gossh.AuthenticationException):
        client.connect(**env.connect_kwargs(password="definitely-" + env.password))


def test_no_credentials(env, client):
    with pytest.raises(gossh.SSHException):
        client.connect(**env.connect_kwargs())
