"""gossh.config: paramiko's SSHConfig / SSHConfigDict, ported from
paramiko's tests/test_config.py where they apply without mocking paramiko's
internals (its socket/getpass/invoke patches do not reach the Go resolver),
and connect(ssh_config=...) against the test sshd."""

import os
from os.path import expanduser

import pytest

from gossh import SSHConfig, SSHConfigDict, ConfigParseError, CouldNotCanonicalize
import gossh.config

_CONFIGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "configs")


def _config(name):
    return os.path.join(_CONFIGS, name)


def load_config(name):
    return SSHConfig.from_path(_config(name))


class TestSSHConfig:
    def setup_method(self):
        self.config = load_config("robey")

    def test_init(self):
        with pytest.raises(TypeError):
            SSHConfig("uh oh!")
        assert SSHConfig().lookup("x") == {"hostname": "x"}

    def test_module_layout(self):
        assert gossh.config.SSHConfig is SSHConfig
        assert gossh.config.SSHConfigDict is SSHConfigDict

    def test_from_text(self):
        config = SSHConfig.from_text("User foo")
        assert config.lookup("foo.example.com")["user"] == "foo"

    def test_from_file(self):
        with open(_config("robey")) as flo:
            config = SSHConfig.from_file(flo)
        assert config.lookup("whatever")["user"] == "robey"

    def test_from_path(self):
        config = SSHConfig.from_path(_config("robey"))
        assert config.lookup("meh.example.com")["port"] == "3333"

    def test_from_path_missing(self):
        with pytest.raises(IOError):
            SSHConfig.from_path(_config("no-such-file"))

    def test_parse_twice_reads_each_file_from_its_top(self):
        config = SSHConfig()
        config.parse(open(_config("robey")))
        from io import StringIO

        config.parse(StringIO("Port 2\nHost extra\n    User extra\n"))
        assert config.lookup("extra")["user"] == "robey"  # the first file's Host * came first
        assert config.lookup("other")["port"] == "2"

    @pytest.mark.parametrize(
        "host,values",
        (
            ("irc.danger.com", {"crazy": "something dumb", "hostname": "irc.danger.com", "user": "robey"}),
            ("irc.example.com",
             {"crazy": "something dumb", "hostname": "irc.example.com", "user": "robey", "port": "3333"}),
            ("spoo.example.com",
             {"crazy": "something dumb", "hostname": "spoo.example.com", "user": "robey", "port": "3333"}),
        ),
    )
    def test_host_config(self, host, values):
        expected = dict(values, hostname=host, identityfile=[expanduser("~/.ssh/id_rsa")])
        assert self.config.lookup(host) == expected

    def test_fabric_issue_33(self):
        config = SSHConfig.from_text("""
Host www13.*
    Port 22

Host *.example.com
    Port 2222

Host *
    Port 3333
""")
        host = "www13.example.com"
        assert config.lookup(host) == {"hostname": host, "port": "22"}

    def test_proxycommand_config_equals_parsing(self):
        config = SSHConfig.from_text("""
Host space-delimited
    ProxyCommand foo bar=biz baz

Host equals-delimited
    ProxyCommand=foo bar=biz baz
""")
        for host in ("space-delimited", "equals-delimited"):
            assert config.lookup(host)["proxycommand"] == "foo bar=biz baz"

    def test_proxycommand_interpolation(self):
        config = SSHConfig.from_text("""
Host specific
    Port 37
    ProxyCommand host %h port %p lol

Host portonly
    Port 155

Host *
    Port 25
    ProxyCommand host %h port %p
""")
        for host, val in (
            ("foo.com", "host foo.com port 25"),
            ("specific", "host specific port 37 lol"),
            ("portonly", "host portonly port 155"),
        ):
            assert config.lookup(host)["proxycommand"] == val

    def test_controlpath_token_expansion(self):
        # paramiko's test writes these paths unquoted; ssh refuses a
        # ControlPath of several words ("extra arguments"), and so does gossh.
        import getpass

        config = SSHConfig.from_text("""
Host explicit_user
    User root
    ControlPath "user %u remoteuser %r"

Host explicit_host
    HostName ohai
    ControlPath "remoteuser %r host %h orighost %n"
""")
        me = getpass.getuser()
        assert config.lookup("explicit_user")["controlpath"] == "user {} remoteuser root".format(me)
        assert (config.lookup("explicit_host")["controlpath"]
                == "remoteuser {} host ohai orighost explicit_host".format(me))

    def test_negation(self):
        config = SSHConfig.from_text("""
Host www13.* !*.example.com
    Port 22

Host *.example.com !www13.*
    Port 2222

Host www13.*
    Port 8080

Host *
    Port 3333
""")
        host = "www13.example.com"
        assert config.lookup(host) == {"hostname": host, "port": "8080"}

    def test_proxycommand(self):
        config = SSHConfig.from_text("""
Host proxy-with-equal-divisor-and-space
ProxyCommand = foo=bar

Host proxy-with-equal-divisor-and-no-space
ProxyCommand=foo=bar

Host proxy-without-equal-divisor
ProxyCommand foo=bar:%h-%p
""")
        for host, values in {
            "proxy-with-equal-divisor-and-space": {
                "hostname": "proxy-with-equal-divisor-and-space", "proxycommand": "foo=bar"},
            "proxy-with-equal-divisor-and-no-space": {
                "hostname": "proxy-with-equal-divisor-and-no-space", "proxycommand": "foo=bar"},
            "proxy-without-equal-divisor": {
                "hostname": "proxy-without-equal-divisor",
                "proxycommand": "foo=bar:proxy-without-equal-divisor-22"},
        }.items():
            assert config.lookup(host) == values

    def test_identityfile(self):
        config = SSHConfig.from_text("""
IdentityFile id_rsa0

Host *
IdentityFile id_rsa1

Host rsa2
IdentityFile id_rsa2

Host rsa2*
IdentityFile id_rsa22
""")
        for host, values in {
            "foo": {"hostname": "foo", "identityfile": ["id_rsa0", "id_rsa1"]},
            "rsa2": {"hostname": "rsa2", "identityfile": ["id_rsa0", "id_rsa1", "id_rsa2", "id_rsa22"]},
            "rsa22": {"hostname": "rsa22", "identityfile": ["id_rsa0", "id_rsa1", "id_rsa22"]},
        }.items():
            assert config.lookup(host) == values

    def test_config_addressfamily_and_lazy_fqdn(self):
        config = SSHConfig.from_text("AddressFamily inet\nIdentityFile something_%l_using_fqdn\n")
        assert config.lookup("meh")

    def test_config_dos_crlf_succeeds(self):
        config = SSHConfig.from_text("\nHost abcqwerty\r\nHostName 127.0.0.1\r\n\n")
        assert config.lookup("abcqwerty")["hostname"] == "127.0.0.1"

    def test_get_hostnames(self):
        assert self.config.get_hostnames() == {"*", "*.example.com", "spoo.example.com"}

    def test_quoted_host_names(self):
        config = SSHConfig.from_text("""
Host "param pam" param "pam"
    Port 1111

Host "param2"
    Port 2222

Host param3 parara
    Port 3333

Host param4 "p a r" "p" "par" para
    Port 4444
""")
        res = {
            "param pam": "1111", "param": "1111", "pam": "1111", "param2": "2222",
            "param3": "3333", "parara": "3333", "param4": "4444", "p a r": "4444",
            "p": "4444", "par": "4444", "para": "4444",
        }
        for host, port in res.items():
            assert config.lookup(host) == {"hostname": host, "port": port}

    def test_quoted_params_in_config(self):
        config = SSHConfig.from_text("""
Host "param pam" param "pam"
    IdentityFile id_rsa

Host "param2"
    IdentityFile "test rsa key"

Host param3 parara
    IdentityFile id_rsa
    IdentityFile "test rsa key"
""")
        res = {
            "param pam": ["id_rsa"], "param": ["id_rsa"], "pam": ["id_rsa"],
            "param2": ["test rsa key"], "param3": ["id_rsa", "test rsa key"],
            "parara": ["id_rsa", "test rsa key"],
        }
        for host, files in res.items():
            assert config.lookup(host) == {"hostname": host, "identityfile": files}

    @pytest.mark.parametrize("text", ['Host param"\n', 'Host "param\n', 'Host param "pam\n'])
    def test_quoted_host_errors(self, text):
        with pytest.raises(ConfigParseError):
            SSHConfig.from_text(text)

    def test_invalid_line_format_excepts(self):
        with pytest.raises(ConfigParseError):
            load_config("invalid")

    def test_proxycommand_none_issue_415(self):
        config = SSHConfig.from_text("""
Host proxycommand-standard-none
    ProxyCommand None

Host proxycommand-with-equals-none
    ProxyCommand=None
""")
        for host in ("proxycommand-standard-none", "proxycommand-with-equals-none"):
            assert config.lookup(host) == {"hostname": host, "proxycommand": None}

    def test_proxycommand_none_masking(self):
        config = SSHConfig.from_text("""
Host specific-host
    ProxyCommand none

Host other-host
    ProxyCommand other-proxy

Host *
    ProxyCommand default-proxy
""")
        assert config.lookup("specific-host")["proxycommand"] is None
        assert config.lookup("other-host")["proxycommand"] == "other-proxy"
        assert config.lookup("some-random-host")["proxycommand"] == "default-proxy"

    def test_hostname_tokenization(self):
        assert load_config("hostname-tokenized").lookup("whatever")["hostname"] == "prefix.whatever"

    def test_include_and_sendenv(self, tmp_path):
        (tmp_path / "d").mkdir()
        inc = tmp_path / "d" / "inc.conf"
        inc.write_text("Host inc\n    User included\n    SendEnv LANG LC_*\n")
        main = tmp_path / "main.conf"
        main.write_text("Include {}/d/*.conf\nHost *\n    SendEnv FOO\n".format(tmp_path))
        result = SSHConfig.from_path(str(main)).lookup("inc")
        assert result["user"] == "included"
        assert result["sendenv"] == "LANG LC_* FOO"


class TestSSHConfigDict:
    def test_SSHConfigDict_construct_empty(self):
        assert not SSHConfigDict()

    def test_SSHConfigDict_construct_from_list(self):
        assert SSHConfigDict([(1, 2)])[1] == 2

    def test_SSHConfigDict_construct_from_dict(self):
        assert SSHConfigDict({1: 2})[1] == 2

    @pytest.mark.parametrize("true_ish", ("yes", "YES", "Yes", True))
    def test_SSHConfigDict_as_bool_true_ish(self, true_ish):
        assert SSHConfigDict({"key": true_ish}).as_bool("key") is True

    @pytest.mark.parametrize("false_ish", ("no", "NO", "No", False))
    def test_SSHConfigDict_as_bool(self, false_ish):
        assert SSHConfigDict({"key": false_ish}).as_bool("key") is False

    @pytest.mark.parametrize("int_val", ("42", 42))
    def test_SSHConfigDict_as_int(self, int_val):
        assert SSHConfigDict({"key": int_val}).as_int("key") == 42

    @pytest.mark.parametrize("non_int", ("not an int", None, object()))
    def test_SSHConfigDict_as_int_failures(self, non_int):
        conf = SSHConfigDict({"key": non_int})
        try:
            int(non_int)
        except Exception as e:
            exception_type = type(e)
        with pytest.raises(exception_type):
            conf.as_int("key")

    def test_SSHConfig_host_dicts_are_SSHConfigDict_instances(self):
        config = SSHConfig.from_text("Host *.example.com\n    Port 2222\n\nHost *\n    Port 3333\n")
        assert config.lookup("foo.example.com").as_int("port") == 2222
        assert config.lookup("anything-else").as_int("port") == 3333


class TestCanonicalization:
    # Only what needs no DNS: the Go resolver asks the system resolver.
    def test_off_by_default(self):
        result = load_config("basic").lookup("www")
        assert result["hostname"] == "www"
        assert "user" not in result

    def test_explicit_no_same_as_default(self):
        result = load_config("no-canon").lookup("www")
        assert result["hostname"] == "www"
        assert "user" not in result

    def test_canonicalization_not_applied_to_two_dots_by_default(self):
        result = load_config("deep-canon").lookup("subber.sub.www")
        assert result["hostname"] == "subber.sub.www"
        assert "user" not in result

    def test_max_dots_may_be_zero(self):
        result = load_config("zero-maxdots").lookup("sub.www")
        assert result["hostname"] == "sub.www"
        assert "user" not in result

    def test_fallback_no_causes_errors_for_unresolvable_names(self):
        with pytest.raises(CouldNotCanonicalize):
            load_config("fallback-no").lookup("doesnotexist")


class TestMatch:
    def test_all_always_matches(self):
        assert load_config("match-all").lookup("general")["user"] == "awesome"

    # paramiko also refuses match-all-and-more-before ("Match exec ... all");
    # OpenSSH 9.2 accepts "all" after one other criterion, and gossh follows it.
    @pytest.mark.parametrize("name", ("match-all-and-more", "match-all-before-canonical"))
    def test_all_may_not_mix(self, name):
        with pytest.raises(ConfigParseError):
            load_config(name).lookup("whatever")

    def test_all_may_come_after_canonical(self):
        # The final pass happens even when no domain resolves.
        assert load_config("match-all-after-canonical").lookup("www")["user"] == "awesome"

    def test_after_canonical_not_loaded_when_non_canonicalized(self):
        assert "user" not in load_config("match-canonical-no").lookup("a-host")

    @pytest.mark.parametrize("name", ("match-host-no-arg", "match-orighost-no-arg", "match-user-no-arg",
                                      "match-exec-no-arg"))
    def test_requires_an_argument(self, name):
        with pytest.raises(ConfigParseError):
            load_config(name)

    def test_host(self):
        assert load_config("match-host").lookup("target")["user"] == "rand"
        assert load_config("match-host-name").lookup("anything")["user"] == "silly"
        assert load_config("match-host-from-match").lookup("original-host")["user"] == "inner"
        conf = load_config("match-host-glob-list")
        assert conf.lookup("whatever")["user"] == "matrim"
        for target in ("somehost", "someotherhost"):
            assert conf.lookup(target)["user"] == "thom"
        assert conf.lookup("good")["user"] == "perrin"
        assert "user" not in conf.lookup("goof")
        conf = load_config("match-host-negated")
        assert conf.lookup("docs")["user"] == "jeff"
        assert "user" not in conf.lookup("www")

    def test_originalhost(self):
        conf = load_config("match-orighost")
        result = conf.lookup("target")
        assert result["hostname"] == "bogus"
        assert result["user"] == "tuon"
        assert conf.lookup("whatever")["user"] == "matrim"
        for target in ("comma", "separated"):
            assert conf.lookup(target)["user"] == "chameleon"
        assert "user" not in conf.lookup("nope")
        assert conf.lookup("docs")["user"] == "thom"

    def test_user_explicit(self):
        assert load_config("match-user-explicit").lookup("anything")["hostname"] == "dumb"

    def test_user_local(self):
        import getpass

        me = getpass.getuser()
        conf = SSHConfig.from_text("Match user {}\n    HostName mine\nMatch !user {}\n    HostName other\n".format(me, me))
        assert conf.lookup("x")["hostname"] == "mine"

    def test_exec(self):
        # Real commands, run by /bin/sh -c: no invoke, no mocks.
        conf = SSHConfig.from_text("""
Match exec "test %h = wanted"
    User benjamin
Match exec false
    User never
Match !exec "exit 3"
    Port 4242
""")
        result = conf.lookup("wanted")
        assert result["user"] == "benjamin"
        assert result["port"] == "4242"
        assert "user" not in conf.lookup("other")

    def test_final(self):
        conf = load_config("match-final")
        result = conf.lookup("finally")
        assert result["hostname"] == "finally.example.org"
        assert result["port"] == "1001"
        assert result["proxyjump"] == "jump"
        result = conf.lookup("default-port")
        assert result["port"] == "1002"
        assert result["proxyjump"] == "jump"
        result = conf.lookup("jump")
        assert result["port"] == "1003"
        assert "proxyjump" not in result

    def test_fedora_match_final_all(self):
        conf = SSHConfig.from_text("Host *\n    User u\nMatch final all\n    GSSAPIAuthentication yes\n")
        assert conf.lookup("h").as_bool("gssapiauthentication") is True


# -- connect(ssh_config=...) against the test sshd ---------------------------


def _write_config(tmp_path, env, extra=""):
    path = tmp_path / "config"
    path.write_text(
        "Host gossh-alias\n"
        "    HostName {}\n    Port {}\n    User {}\n"
        "    IdentityFile {}\n    UserKnownHostsFile {}\n"
        "    IdentitiesOnly yes\n{}".format(
            env.host, env.port, env.user, env.key("id_ed25519"), env.known_hosts, extra))
    return str(path)


def test_connect_through_ssh_config(tmp_path, env, paramiko):
    path = _write_config(tmp_path, env, "    Ciphers aes256-ctr\n    Compression yes\n")
    c = paramiko.SSHClient()  # no host keys: UserKnownHostsFile brings them
    try:
        c.connect("gossh-alias", ssh_config=path, timeout=10)
        _, stdout, _ = c.exec_command("echo ok")
        assert stdout.read() == b"ok\n"
        assert c.get_transport().local_cipher == "aes256-ctr"
    finally:
        c.close()


def test_connect_explicit_arguments_win(tmp_path, env, paramiko):
    path = _write_config(tmp_path, env)
    c = paramiko.SSHClient()
    try:
        # An explicit port, even 22, beats the file's Port.
        with pytest.raises(paramiko.ssh_exception.NoValidConnectionsError):
            c.connect("gossh-alias", port=1, ssh_config=path, timeout=10)
        with pytest.raises(paramiko.AuthenticationException):
            c.connect("gossh-alias", username="gossh-no-such-user", ssh_config=path, timeout=10)
    finally:
        c.close()


def test_connect_without_ssh_config_ignores_files(env, paramiko):
    c = paramiko.SSHClient()
    try:
        with pytest.raises(Exception):
            c.connect("gossh-alias-not-resolvable.invalid", timeout=10, allow_agent=False, look_for_keys=False)
    finally:
        c.close()


def test_connect_bad_ssh_config(tmp_path, env, paramiko):
    path = _write_config(tmp_path, env, "Match nosuch x\n")
    c = paramiko.SSHClient()
    try:
        with pytest.raises(ValueError, match="line 8"):
            c.connect("gossh-alias", ssh_config=path, timeout=10)
    finally:
        c.close()


def test_connect_strict_host_key_checking_from_ssh_config(tmp_path, env, paramiko):
    # No policy set on the client: the file's StrictHostKeyChecking applies.
    kh = tmp_path / "known_hosts"
    path = tmp_path / "config"
    path.write_text(
        "Host gossh-alias\n    HostName {}\n    Port {}\n    User {}\n    IdentityFile {}\n"
        "    UserKnownHostsFile {}\n    StrictHostKeyChecking accept-new\n".format(
            env.host, env.port, env.user, env.key("id_ed25519"), kh))
    c = paramiko.SSHClient()
    try:
        c.connect("gossh-alias", ssh_config=str(path), timeout=10)
    finally:
        c.close()
    assert "[{}]:{}".format(env.host, env.port) in kh.read_text()
    # A policy the program sets wins over the file.
    kh.write_text("")
    c = paramiko.SSHClient()
    c.set_missing_host_key_policy(paramiko.RejectPolicy())
    try:
        with pytest.raises(paramiko.SSHException, match="not found in known_hosts"):
            c.connect("gossh-alias", ssh_config=str(path), timeout=10)
    finally:
        c.close()


def test_connect_proxyjump_from_ssh_config(tmp_path, env, paramiko):
    # The target is reached through a jump host; both are named only in the
    # file (the test sshd serves as both).
    def block(name):
        return ("Host {}\n    HostName {}\n    Port {}\n    User {}\n    IdentityFile {}\n"
                "    UserKnownHostsFile {}\n").format(name, env.host, env.port, env.user,
                                                      env.key("id_ed25519"), env.known_hosts)
    path = tmp_path / "config"
    path.write_text(block("gossh-target") + "    ProxyJump gossh-jump\n" + block("gossh-jump") +
                    block("gossh-loop") + "    ProxyJump gossh-loop\n")
    c = paramiko.SSHClient()
    try:
        c.connect("gossh-target", ssh_config=str(path), timeout=10)
        _, stdout, _ = c.exec_command("echo through")
        assert stdout.read() == b"through\n"
    finally:
        c.close()
    c = paramiko.SSHClient()
    try:
        with pytest.raises(ValueError, match="loop"):
            c.connect("gossh-loop", ssh_config=str(path), timeout=10)
    finally:
        c.close()
