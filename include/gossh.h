/*
 * gossh.h — the C API of libgossh, an SSH client library with a Go core.
 *
 * This header is the contract and the reference documentation. It is written
 * by hand; the header that cgo generates while building is an artefact and is
 * never installed.
 *
 * ---------------------------------------------------------------------------
 * Conventions (they hold for every function below unless its block says
 * otherwise)
 * ---------------------------------------------------------------------------
 *
 * Return values.  Functions return int: 0 (GOSSH_OK) on success, a negative
 *   GOSSH_E_* code on failure.
 *
 * Errors.  The last parameter is `gossh_error **err`. It may be NULL. On
 *   failure, when err is not NULL, *err receives a new error object (code,
 *   message, details) that the caller owns and releases with
 *   gossh_error_free(). On success *err is set to NULL. There is no
 *   thread-local "last error". gossh_code_name() names a code
 *   ("GOSSH_E_AUTH").
 *   Every function that can fail for a reason a message must explain takes
 *   err. These, and only these, do not, each for the reason given:
 *     - never fail: gossh_version, gossh_code_name, gossh_free, the _free
 *       functions, and the error accessors gossh_error_code /
 *       _message / _detail (they answer for a bad error handle in-band);
 *     - yes/no questions that answer 0 for anything but "yes", a bad handle
 *       included: gossh_key_can_sign, gossh_client_is_active,
 *       gossh_client_is_authenticated;
 *     - queries of one handle that fail only for that handle: a NULL handle
 *       gives GOSSH_E_INVALID, a stale or wrong one GOSSH_E_BADHANDLE, as
 *       the return value (GOSSH_E_INTERNAL for a recovered panic, whose
 *       message and stack go to the log): gossh_channel_exit_status_ready,
 *       gossh_channel_state, gossh_channel_id, gossh_hostkeys_count.
 *   A function added to this header follows the rule: err last, or a place
 *   in this list with its reason.
 *
 * Handles.  gossh_client, gossh_channel, gossh_options, gossh_session_spec,
 *   gossh_key, gossh_hostkeys, gossh_sftp, gossh_sftp_file, gossh_sftp_dir,
 *   gossh_sshconfig, gossh_group, gossh_group_result and gossh_error are opaque. The pointer value is a key into a typed registry
 *   inside the library, not an address: a freed, stale, wrong-type or garbage
 *   handle gets GOSSH_E_BADHANDLE, never a crash. Handle values are never
 *   reused within a process. A NULL handle gets GOSSH_E_INVALID.
 *
 * Ownership.  Input strings are NUL-terminated UTF-8 and are copied before the
 *   call returns. Objects returned through `T **out` belong to the caller and
 *   are released with their own _free function; _free(NULL) and a second
 *   _free of the same handle are harmless no-ops. Memory that the library
 *   hands over as a plain `char *` is released with gossh_free(), never libc
 *   free().
 *
 * Threads.  Every function is safe to call from any thread. Blocking
 *   functions say so and take a timeout; gossh_client_close() from another
 *   thread ends the client's in-flight calls with GOSSH_E_CLOSED.
 *
 * Timeouts.  One rule for every `int timeout_ms` parameter:
 *   -1   waits without limit;
 *    0   does not wait: the call does what it can at once (a read returns
 *        buffered data, a write hands over what fits) and otherwise returns
 *        GOSSH_E_TIMEOUT. A call that needs the server's answer (opening a
 *        channel, a channel request) therefore fails at once with 0;
 *   > 0  waits at most that many milliseconds;
 *   < -1 is GOSSH_E_INVALID.
 *   A call that times out after sending a channel request closes the
 *   channel, since its state is then unknown. The connect-time limits
 *   (timeout, banner_timeout, auth_timeout) are not timeout_ms parameters but
 *   options, in seconds as paramiko's, where "0" or "" means none: see
 *   gossh_options_set.
 *   -1 on a call that opens a channel or makes a channel request (the
 *   "session", "direct-tcpip" and request functions, gossh_client_exec,
 *   gossh_client_start) means "none given": the connection's
 *   channel_timeout option applies, and only when that is unset (the
 *   default) does the call wait without limit, as paramiko's open_channel
 *   with timeout=None.
 *
 * Lengths.  Buffer lengths are size_t and are never truncated: a length no
 *   call can take (more than the address space can hold, or over a limit a
 *   function names) is GOSSH_E_INVALID. A write reports exactly how many
 *   bytes it accepted, so a retry never duplicates data.
 *
 * Ends of streams.  A read returns 0 bytes with GOSSH_OK only at the real
 *   end of a stream, that is when the server ended it. A stream cut off by a
 *   lost connection (a reset, a close, a corrupted packet, a keepalive
 *   timeout) or by a local close returns GOSSH_E_CLOSED after its data.
 *   gossh tells the two apart by the server's EOF or CLOSE message for the
 *   channel, handled in order after all the data before it. Only when a
 *   stream ends without one (the connection died, or the server's message
 *   cannot be seen) does gossh confirm with a keepalive round trip that the
 *   connection outlived the end; if it does not, the end is GOSSH_E_CLOSED:
 *   gossh errs on the side of an error, never of a silently short stream.
 *
 * Callbacks.  Callbacks are C function pointers with `void *userdata` last.
 *   They run on an unspecified thread (not necessarily the caller's). A
 *   callback that returns 0 rejects, so a binding whose callback raised an
 *   exception fails closed by returning 0.
 *
 * Panics.  A Go panic never crosses into C: every entry point recovers and
 *   returns GOSSH_E_INTERNAL.
 *
 * What a Go shared library imposes on its host process:
 *   - one Go runtime per process: load libgossh once;
 *   - never dlclose() it: the Go runtime cannot be unloaded;
 *   - do not fork() without exec() after loading it: the child inherits a Go
 *     runtime without its threads and hangs on its first blocking call.
 *     (Python users: use the "spawn" or "forkserver" multiprocessing start
 *     methods.)
 *   - glibc 2.34 or newer;
 *   - memory: the runtime's garbage collector keeps ~2 MiB of headroom
 *     above the live heap while that heap is small, and is GOGC=50 above
 *     it (SSH packets are read into pooled buffers: a GiB of output
 *     makes ~10 MB of garbage). Set the GOGC (and GOMEMLIMIT) environment
 *     variables before loading the library to choose otherwise: a set GOGC
 *     turns this off.
 */
#ifndef GOSSH_H
#define GOSSH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Versions                                                                  */
/* ------------------------------------------------------------------------ */

#define GOSSH_VERSION_MAJOR 0
#define GOSSH_VERSION_MINOR 1
#define GOSSH_VERSION_PATCH 0
/* GOSSH_VERSION_NUMBER is MAJOR*10000 + MINOR*100 + PATCH. */
#define GOSSH_VERSION_NUMBER                                                  \
    (GOSSH_VERSION_MAJOR * 10000 + GOSSH_VERSION_MINOR * 100 +                \
     GOSSH_VERSION_PATCH)

/*
 * gossh_version — the library's version as GOSSH_VERSION_NUMBER computes it,
 * so that a program or binding can check that header and library agree.
 * Does not block. Never fails. If version_string is not NULL it receives a
 * static string such as "0.1.0" that the caller must not free.
 */
int gossh_version(const char **version_string);

/* ------------------------------------------------------------------------ */
/* Error codes                                                               */
/* ------------------------------------------------------------------------ */

#define GOSSH_OK 0
#define GOSSH_E_INVALID -1      /* invalid argument: NULL, bad value, bad option name */
#define GOSSH_E_BADHANDLE -2    /* freed, stale, wrong-type or garbage handle */
#define GOSSH_E_INTERNAL -3     /* a bug in gossh (a recovered panic): message "internal error in <function>: <panic>";
                                   the stack goes to the log at GOSSH_LOG_ERROR */
#define GOSSH_E_CONNECT -4      /* TCP connection refused or host unreachable; name not resolved */
#define GOSSH_E_TIMEOUT -5      /* a timeout expired (connect, banner, auth, read, wait) */
#define GOSSH_E_AUTH -6         /* authentication failed; detail "allowed_types" */
#define GOSSH_E_BADAUTHTYPE -7  /* the server does not allow the methods we could try; detail "allowed_types" */
#define GOSSH_E_PASSWORD_REQUIRED -8 /* a private key is encrypted and no passphrase was given */
#define GOSSH_E_HOSTKEY_UNKNOWN -9   /* unknown host rejected by the missing-host-key policy */
#define GOSSH_E_HOSTKEY_MISMATCH -10 /* known host presented a different key; details hostname, key, expected_key */
#define GOSSH_E_PROTOCOL -11    /* SSH protocol error, or the peer is not an SSH server */
#define GOSSH_E_CLOSED -12      /* the client or channel is closed, or the connection was lost */
#define GOSSH_E_CHANNEL -13     /* the server refused to open a channel or run a request */
#define GOSSH_E_KEY -14         /* a key could not be parsed, or is of an unsupported type */
#define GOSSH_E_NOT_CONNECTED -15 /* the client is not connected yet */
#define GOSSH_E_IO -16          /* a local file could not be read or written; details "path", "errno_name" */
#define GOSSH_E_SFTP -17        /* the SFTP server failed a request; details "status", "status_name",
                                   "errno_name", "path", "path2", "message" (see "SFTP") */
#define GOSSH_E_CANCELLED -18   /* a progress callback returned 0 and the transfer stopped */
/* The codes are consecutive from -1 down: a binding can list them by asking
 * gossh_code_name for -1, -2, ... until it answers "GOSSH_E_UNKNOWN". */

/*
 * gossh_code_name — the name of a code as written above ("GOSSH_OK",
 * "GOSSH_E_AUTH", ...), or "GOSSH_E_UNKNOWN" for a value that is no code.
 * A static string: never free it. Does not block. Never fails. Bindings
 * use it instead of carrying their own copy of the table.
 */
const char *gossh_code_name(int code);

/* ------------------------------------------------------------------------ */
/* Opaque handle types                                                       */
/* ------------------------------------------------------------------------ */

typedef struct gossh_error gossh_error;
typedef struct gossh_options gossh_options;
typedef struct gossh_client gossh_client;
typedef struct gossh_channel gossh_channel;
typedef struct gossh_key gossh_key;
typedef struct gossh_hostkeys gossh_hostkeys;
typedef struct gossh_session_spec gossh_session_spec;
typedef struct gossh_sftp gossh_sftp;
typedef struct gossh_sftp_file gossh_sftp_file;
typedef struct gossh_sftp_dir gossh_sftp_dir;
typedef struct gossh_sshconfig gossh_sshconfig;
typedef struct gossh_pending gossh_pending;

/* ------------------------------------------------------------------------ */
/* Memory and errors                                                         */
/* ------------------------------------------------------------------------ */

/*
 * gossh_free — releases memory that the library handed over as a plain
 * pointer (strings returned through `char **out`). NULL is a no-op. Does not
 * block. Never call libc free() on such memory, nor gossh_free() on anything
 * else.
 */
void gossh_free(void *p);

/*
 * gossh_error_code — the GOSSH_E_* code of an error object, or
 * GOSSH_E_BADHANDLE if e is not a live error handle (GOSSH_E_INVALID for NULL).
 */
int gossh_error_code(const gossh_error *e);

/*
 * gossh_error_message — a human-readable message. No message or detail ever
 * holds a password, a passphrase, an option's value or key material: a path
 * that does not look like one (private key text given as a file name) is
 * shown as "<key material, not shown>". The string belongs to the
 * error object and is valid until gossh_error_free(e). Returns a static
 * string describing the problem if e is NULL or not a live error handle.
 */
const char *gossh_error_message(const gossh_error *e);

/*
 * gossh_error_detail — one named detail of an error, or NULL if the error has
 * no such detail. The string belongs to the error object and is valid until
 * gossh_error_free(e). Details by code:
 *   GOSSH_E_AUTH, GOSSH_E_BADAUTHTYPE: "allowed_types" (comma-separated
 *       method names the server still accepts, e.g. "publickey,password").
 *       GOSSH_E_AUTH also "reason": "failed" (what was tried was refused)
 *       or "no_methods" (nothing the server allows could be tried: no key,
 *       no password); "" for other cases (a key that could not be used).
 *   GOSSH_E_KEY: "reason": "unknown_key_type" (an algorithm gossh does not
 *       know, e.g. ed448) or "not_a_key" (no key block in the data), when
 *       one of them applies.
 *   GOSSH_E_HOSTKEY_UNKNOWN: "hostname", "key" (the server's key as
 *       "type base64").
 *   GOSSH_E_HOSTKEY_MISMATCH: "hostname", "key" (presented) and
 *       "expected_key" (known; "" when no key was expected), each as
 *       "type base64", and "reason": "mismatch" (known host, other key),
 *       "revoked" (the key, or a certificate's key or CA, is in a @revoked
 *       line: refused even where another line would accept it),
 *       "certificate" (a @cert-authority applies to the host but its
 *       certificate does not pass: wrong CA, expired, not yet valid, host
 *       name not among its principals, not a host certificate; the message
 *       says which), "changed" (a re-key presented another key; the
 *       connection ends).
 *   GOSSH_E_CONNECT: "address" (host:port that could not be reached,
 *       "[v6]:port" for an IPv6 address), "host" and "port" (its parts, so
 *       that nobody parses the address) and "reason": "resolve" (the name
 *       did not resolve), "refused", "unreachable", "jump" (a ProxyJump
 *       hop could not open the channel), "proxy_command" (the proxy
 *       command failed; "command" is its command line), "agent" (the agent
 *       socket could not be reached) or "no_agent" (none was given).
 *   Any error of a connect through ProxyJump that happened on a hop:
 *       "jump_host" (the hop, as [user@]host[:port]).
 *   GOSSH_E_INVALID from an ssh_config that does not parse: "path" (the
 *       file; "" for text) and "line" (its number).
 *   GOSSH_E_TIMEOUT: "stage" (connect, banner, auth, read, write, wait);
 *       at stage connect also "address", "host" and "port".
 *   GOSSH_E_SFTP: "status", "status_name", "errno_name", "path", "path2",
 *       "message", always all six ("" where none applies; see "SFTP").
 *   GOSSH_E_IO from an SFTP transfer: "path" (the local file) and
 *       "errno_name" ("ENOENT", "EACCES", "ENOSPC", ...; "" if none fits).
 */
const char *gossh_error_detail(const gossh_error *e, const char *name);

/* gossh_error_free — releases an error object. NULL and repeats are no-ops. */
void gossh_error_free(gossh_error *e);

/* ------------------------------------------------------------------------ */
/* Keys                                                                      */
/* ------------------------------------------------------------------------ */

/*
 * gossh_key_from_file — loads a private key from a file: OpenSSH format
 * (plain, or bcrypt + aes256-ctr/cbc as ssh-keygen writes), PEM PKCS#1 RSA /
 * SEC1 EC / OpenSSL DSA (plain or with legacy PEM encryption), PKCS#8 (plain
 * or PBES2-encrypted); RSA, ECDSA, Ed25519 and DSA keys. passphrase may be
 * NULL for an unencrypted key. Blocks on file I/O and, for an encrypted key,
 * on the key derivation (tens of milliseconds; at most a few seconds, see the
 * limits below).
 * A key is refused (GOSSH_E_KEY) unless its halves agree: its private key
 * must derive its public key, and every public key the file states beside it
 * (an OpenSSH file's outer public key, SEC1's public point, PKCS#8's
 * publicKey) must be that one. So a corrupted file either fails or loads a
 * key whose signatures verify against the file's public key (a damaged
 * comment does not matter).
 * Limits (each refused before any key derivation, with a message naming it):
 *   - a file of more than 1 MiB (1048576 bytes) is not a key: GOSSH_E_KEY
 *     (only that much is read);
 *   - an encrypted OpenSSH key with more than 512 bcrypt rounds: GOSSH_E_KEY,
 *     with or without a passphrase (512 rounds take some 5 s here, as long as
 *     in ssh itself; ssh-keygen writes 16, `ssh-keygen -a 100` is common);
 *   - an encrypted PKCS#8 key with more than 4,000,000 PBKDF2 iterations
 *     (OpenSSL writes 2048): GOSSH_E_KEY;
 *   - an RSA key of more than 16384 bits: GOSSH_E_KEY.
 * Returns 0 and *out (caller frees with gossh_key_free); GOSSH_E_INVALID for
 * NULL path/out; GOSSH_E_IO if the file cannot be read;
 * GOSSH_E_PASSWORD_REQUIRED if the key is encrypted and passphrase is NULL or
 * empty; GOSSH_E_KEY if it does not parse, its halves disagree, it is over a
 * limit, or the passphrase is wrong. Messages never quote key material or
 * the passphrase.
 */
int gossh_key_from_file(const char *path, const char *passphrase, gossh_key **out,
                        gossh_error **err);

/*
 * gossh_key_from_data — as gossh_key_from_file, from len bytes of key text in
 * memory. len over 1 MiB (1048576) is GOSSH_E_INVALID, naming the limit,
 * before any of data is read (len is never narrowed: 2^32+16 is not 16).
 */
int gossh_key_from_data(const void *data, size_t len, const char *passphrase,
                        gossh_key **out, gossh_error **err);

/*
 * gossh_key_type — the key's SSH type name ("ssh-ed25519", "ssh-rsa",
 * "ecdsa-sha2-nistp256", ...) in *out, a string the caller frees with
 * gossh_free(). Does not block.
 */
int gossh_key_type(const gossh_key *key, char **out, gossh_error **err);

/*
 * gossh_key_public_text — the public key as one authorized_keys line
 * ("type base64", no comment) in *out; caller frees with gossh_free().
 */
int gossh_key_public_text(const gossh_key *key, char **out, gossh_error **err);

/*
 * gossh_key_fingerprint — the SHA256 fingerprint as ssh-keygen -l prints it
 * ("SHA256:..."), in *out; caller frees with gossh_free().
 */
int gossh_key_fingerprint(const gossh_key *key, char **out, gossh_error **err);

/*
 * Every function below is safe to call from any thread, also on the same key
 * at once (a key is immutable except for an attached certificate, which is
 * swapped atomically). Keys are of type RSA, ECDSA (nistp256/384/521),
 * Ed25519 or DSA ("ssh-dss", 1024 bits, loaded and generated for paramiko
 * parity; OpenSSH servers refuse it unless configured to accept it).
 */

/*
 * gossh_key_generate — makes a new private key.
 *   type: "rsa", "ecdsa", "ed25519" or "dsa" (also "ssh-rsa",
 *         "ecdsa-sha2-nistp256/384/521", "ssh-ed25519", "ssh-dss", "dss").
 *   bits: 0 for the default (RSA 3072, ECDSA 256 or the curve the type
 *         names, Ed25519 256, DSA 1024); RSA 1024..8192; ECDSA 256, 384 or
 *         521; Ed25519 only 256; DSA only 1024.
 * BLOCKS while the key is made, and cannot be interrupted: RSA 3072 takes
 * around a second, 4096 bits usually under a second, 8192 bits from 25 s to
 * over a minute; DSA (parameter generation) up to a few seconds; the others
 * are instant. RSA keys over 8192 bits (ssh-keygen goes to 16384, which
 * takes minutes) are GOSSH_E_INVALID, naming the limit; such keys still
 * load.
 * Returns 0 and *out (caller frees with gossh_key_free); GOSSH_E_INVALID for
 * NULL type/out, an unknown type or a size the type does not take.
 */
int gossh_key_generate(const char *type, int bits, gossh_key **out, gossh_error **err);

/*
 * gossh_key_from_public — a public-only key (it cannot sign; it can verify).
 *   text: "type base64 [comment]" as in authorized_keys / .pub files; or NULL
 *         to use the blob instead.
 *   blob, len: the public key in SSH wire format (as gossh_key_blob returns);
 *         read only when text is NULL.
 * An OpenSSH certificate ("...-cert-v01@openssh.com") gives its key, with the
 * certificate attached (see gossh_key_certificate). Does not block.
 * Returns 0 and *out (caller frees with gossh_key_free); GOSSH_E_INVALID if
 * out, or both text and blob, are NULL, or (blob) len is over 1 MiB;
 * GOSSH_E_KEY if it does not parse.
 */
int gossh_key_from_public(const char *text, const void *blob, size_t len, gossh_key **out,
                          gossh_error **err);

/*
 * gossh_key_bits — the key size in *bits as paramiko's get_bits(): RSA
 * modulus bits, ECDSA curve bits (256/384/521), 256 for Ed25519, DSA p bits.
 * Does not block. GOSSH_E_INVALID if bits is NULL.
 */
int gossh_key_bits(const gossh_key *key, int *bits, gossh_error **err);

/*
 * gossh_key_can_sign — 1 if the key has its private half, 0 if it is
 * public-only (and 0 for NULL or bad handles). Does not block.
 */
int gossh_key_can_sign(const gossh_key *key);

/*
 * gossh_key_blob — the public key in SSH wire format (paramiko's asbytes()):
 * *out receives *len bytes that the caller frees with gossh_free(). Never the
 * certificate, even when one is attached. Does not block.
 * GOSSH_E_INVALID if out or len is NULL.
 */
int gossh_key_blob(const gossh_key *key, void **out, size_t *len, gossh_error **err);

/*
 * gossh_key_fingerprint_md5 — the MD5 digest of the public blob (paramiko's
 * get_fingerprint()) as 32 lowercase hex digits without separators, in *hex;
 * caller frees with gossh_free(). Does not block.
 */
int gossh_key_fingerprint_md5(const gossh_key *key, char **hex, gossh_error **err);

/*
 * gossh_key_sign — signs len bytes at data (NULL is allowed when len is 0)
 * and returns the SSH signature blob as it travels on the wire (string
 * algorithm, string signature) in *sig / *siglen; caller frees *sig with
 * gossh_free(). algorithm NULL or "" picks the key's type, except for RSA,
 * where it picks "rsa-sha2-512"; RSA also takes "rsa-sha2-256" and the SHA-1
 * "ssh-rsa". Does not block (RSA signing takes about a millisecond).
 * Returns GOSSH_E_KEY for a public-only key or an algorithm that does not
 * fit the key; GOSSH_E_INVALID for NULL sig/siglen, or len over 1 GiB
 * (2^30; checked before data is read).
 */
int gossh_key_sign(const gossh_key *key, const void *data, size_t len, const char *algorithm,
                   void **sig, size_t *siglen, gossh_error **err);

/*
 * gossh_key_verify — checks a signature blob (as gossh_key_sign returns) over
 * len bytes at data with the key's public half. Does not block.
 * Returns 0 if the signature is valid, GOSSH_E_KEY if it is not (wrong key,
 * other data, unparsable blob); GOSSH_E_INVALID if len is over 1 GiB or
 * siglen over 1 MiB (checked before the memory is read).
 */
int gossh_key_verify(const gossh_key *key, const void *data, size_t len, const void *sig,
                     size_t siglen, gossh_error **err);

/*
 * gossh_key_write_private — the private key as the text of an OpenSSH-format
 * key file ("-----BEGIN OPENSSH PRIVATE KEY-----", for every key type: what
 * ssh-keygen writes; paramiko writes PEM for RSA/ECDSA/DSA), encrypted with
 * bcrypt + aes256-ctr when passphrase is neither NULL nor "". *out receives
 * the text, which the caller frees with gossh_free(). BLOCKS briefly when
 * encrypting (the key derivation takes some tens of milliseconds).
 * Returns GOSSH_E_KEY for a public-only key; GOSSH_E_INVALID for NULL out.
 */
int gossh_key_write_private(const gossh_key *key, const char *passphrase, char **out,
                            gossh_error **err);

/*
 * gossh_key_write_private_file — as gossh_key_write_private, written to path
 * with mode 0600 (through a temporary file in the same directory renamed
 * over path, so that no reader sees half a key). BLOCKS on file I/O.
 * Returns GOSSH_E_IO if the file cannot be written, GOSSH_E_KEY for a
 * public-only key, GOSSH_E_INVALID for a NULL path.
 */
int gossh_key_write_private_file(const gossh_key *key, const char *path, const char *passphrase,
                                 gossh_error **err);

/*
 * gossh_key_load_certificate — attaches an OpenSSH certificate to the key
 * (paramiko's load_certificate): path_or_text is either the text of a
 * "-cert.pub" file ("ssh-ed25519-cert-v01@openssh.com AAAA...") or its path.
 * From then on, authenticating with this key (gossh_options_add_key) offers
 * the certificate. Replaces a certificate attached earlier. Blocks on file
 * I/O only.
 * Returns GOSSH_E_IO if a path cannot be read; GOSSH_E_KEY if it is not a
 * certificate or is a certificate for another key; GOSSH_E_INVALID for NULL.
 */
int gossh_key_load_certificate(gossh_key *key, const char *path_or_text, gossh_error **err);

/*
 * gossh_key_certificate — the attached certificate as "type base64" in *out
 * (caller frees with gossh_free()), or *out = NULL (and 0) if there is none.
 * Does not block.
 */
int gossh_key_certificate(const gossh_key *key, char **out, gossh_error **err);

/* gossh_key_free — releases a key. NULL and repeats are no-ops. */
void gossh_key_free(gossh_key *key);

/* ------------------------------------------------------------------------ */
/* Connect options                                                           */
/* ------------------------------------------------------------------------ */

/*
 * gossh_options_new — a new, empty set of connect options with paramiko's
 * defaults (port 22, username = the local user, allow_agent and
 * look_for_keys on, banner_timeout 15 s, auth_timeout 30 s, no TCP
 * connect timeout, no channel_timeout). Caller frees with
 * gossh_options_free(). Does not block.
 */
int gossh_options_new(gossh_options **out, gossh_error **err);

/*
 * gossh_options_set — sets one option by name from its text form. Names and
 * values (paramiko's connect() parameters):
 *   "hostname"       host name or address (required before connect)
 *   "port"           decimal port, 1..65535
 *   "username"       login name
 *   "password"       password; also unlocks encrypted keys when no passphrase
 *   "passphrase"     unlocks encrypted private keys
 *   "key_filename"   path to a private key; each call APPENDS one path, in
 *                    the order keys are tried
 *   "allow_agent"    "1"/"0" (also true/false/yes/no): use SSH_AUTH_SOCK
 *   "look_for_keys"  "1"/"0": try ~/.ssh/id_rsa, id_ecdsa, id_ed25519, id_dsa
 *   "ssh_config"     apply an OpenSSH client configuration at connect (off by
 *                    default, as paramiko never applies one): "1" or
 *                    "default" for ~/.ssh/config then /etc/ssh/ssh_config,
 *                    else the path of a file (read as `ssh -F path`); ""
 *                    turns it off. "hostname" is then looked up as ssh
 *                    does (Host/Match, HostName, ...). Options set here
 *                    explicitly win over the file, even when set to their
 *                    default value ("port" "22" beats the file's Port); a
 *                    missing-host-key policy set on the client wins over
 *                    StrictHostKeyChecking. Applied: HostName, User, Port,
 *                    IdentityFile (after key_filename; missing files
 *                    skipped; when it names any, look_for_keys is off unless
 *                    set), IdentitiesOnly (turns allow_agent off unless
 *                    set), CertificateFile, HostKeyAlias (the name host
 *                    keys are looked up under), UserKnownHostsFile (the first
 *                    is loaded as gossh_client_load_host_keys would, unless
 *                    the client has such a file; the rest as system keys),
 *                    GlobalKnownHostsFile, StrictHostKeyChecking (yes:
 *                    reject; no, accept-new: add; a changed key is always
 *                    refused), HostKeyAlgorithms, Ciphers, KexAlgorithms,
 *                    MACs (with OpenSSH's +, - and ^ forms; unsupported
 *                    names skipped), ConnectTimeout, ServerAliveInterval,
 *                    ServerAliveCountMax, Compression (logged: gossh has
 *                    none), ProxyJump and ProxyCommand (unless
 *                    "proxy_jump" or "proxy_command" is set; every jump
 *                    host is resolved in the file too, as ssh -J does; a
 *                    ProxyJump through the host itself or back through a
 *                    host it serves is GOSSH_E_INVALID). Only what the
 *                    file sets applies, never OpenSSH's defaults. A file
 *                    that does not parse fails the connect
 *                    with GOSSH_E_INVALID (the message names file and line;
 *                    details "path", "line"); an unreadable file with
 *                    GOSSH_E_IO. See "ssh_config" for the rules.
 *   "timeout"        seconds (decimal, e.g. "2.5") for the TCP connect;
 *                    "0" or "" means none
 *   "banner_timeout" seconds to wait for the server's SSH banner
 *   "auth_timeout"   seconds for key exchange and authentication
 *   "channel_timeout" seconds that opening a channel and each channel
 *                    request wait when the call gives no timeout (-1; see
 *                    "Timeouts"); "0" or "" (the default) means no limit
 *   "agent_socket"   path of an agent socket to use instead of SSH_AUTH_SOCK
 *   "proxy_command"  OpenSSH's ProxyCommand: a command line whose standard
 *                    input and output carry the connection. It runs as
 *                    /bin/sh -c "exec <command>" with the tokens %h (host),
 *                    %p (port), %r (username), %n (host as given), %u
 *                    (local user) and %% expanded (another token fails the
 *                    connect with GOSSH_E_INVALID). Its stderr goes to the
 *                    log (GOSSH_LOG_DEBUG), and its last lines into the
 *                    error if it ends before the server speaks
 *                    (GOSSH_E_CONNECT, detail "reason" "proxy_command").
 *                    On close it gets SIGHUP, then SIGKILL after 1 s, and
 *                    is reaped. "none" or "" means none (the default).
 *   "proxy_jump"     OpenSSH's ProxyJump: [user@]host[:port][,...] (also
 *                    ssh://, [v6]:port), jump hosts connected in turn, each
 *                    through a "direct-tcpip" channel of the one before.
 *                    Every hop uses these options' keys, password, agent
 *                    and timeouts (as ssh -J), the user named in the hop
 *                    or else the local user, and the client's host keys
 *                    and missing-host-key policy: each hop's key is checked
 *                    (a failure names the hop: detail "jump_host"). The
 *                    hops close with the client. "none" or "" means none.
 *                    Setting it checks the syntax (GOSSH_E_INVALID).
 *                    proxy_command and proxy_jump together fail the
 *                    connect with GOSSH_E_INVALID.
 *   "step_auth"      "1": a connect returns once the server has proved its
 *                    host key, BEFORE authentication; the client then
 *                    authenticates with gossh_client_auth_none / _password /
 *                    _publickey, one attempt per call (paramiko's
 *                    Transport.start_client and auth_*). The keys, password
 *                    and agent options are not used then.
 *   "host_key"       "type base64": the one host key the server may present
 *                    (paramiko's Transport.connect(hostkey=)); known_hosts
 *                    and the missing-host-key policy are then not consulted.
 *                    A mismatch is GOSSH_E_HOSTKEY_MISMATCH.
 *   "ciphers", "kex", "macs", "host_key_algorithms", "pubkey_algorithms"
 *                    explicit algorithm lists, comma-separated, in order of
 *                    preference (OpenSSH's names, e.g. "aes256-ctr,
 *                    aes128-gcm@openssh.com"; "" the default). Every name
 *                    must be one gossh implements, else GOSSH_E_INVALID
 *                    naming it and listing those it implements.
 *                    pubkey_algorithms limits the signature algorithms user
 *                    keys sign with ("ssh-rsa", "rsa-sha2-256", ...).
 *                    Without host_key_algorithms gossh offers the types
 *                    recorded for the host first, then OpenSSH's order
 *                    (ed25519, ECDSA, RSA; certificates first).
 *   "disabled_algorithms" paramiko's disabled_algorithms in text form:
 *                    "ciphers=a,b;macs=c;keys=d;pubkeys=e;kex=f" (keys are
 *                    host-key algorithms, pubkeys user-key signature
 *                    algorithms), removed from what would be offered. Names
 *                    paramiko knows but gossh does not implement are
 *                    accepted; others and unknown categories are
 *                    GOSSH_E_INVALID. A category with nothing left fails the
 *                    connect with GOSSH_E_INVALID before anything is sent.
 *                    An RSA user key that the server refuses with SHA-2
 *                    signatures is offered once more with "ssh-rsa" (after
 *                    every key), unless "ssh-rsa" is disabled, and only
 *                    while at most 5 keys are offered in all (OpenSSH
 *                    disconnects after MaxAuthTries, 6 by default, refusals).
 *   "compress"       "1": paramiko's compress. gossh has no compression:
 *                    connect logs that once (GOSSH_LOG_INFO) and proceeds.
 *   "forward_agent"  "1": ask for agent forwarding (the agent at
 *                    agent_socket or SSH_AUTH_SOCK) on every session
 *                    gossh_client_start and gossh_client_exec open. A
 *                    server that refuses it, or no local agent, is logged,
 *                    not an error. See also the session spec's
 *                    "forward_agent" and gossh_channel_request_forward_agent.
 *   "identities_only" "1": OpenSSH's IdentitiesOnly. When keys are given
 *                    (gossh_options_add_key, _add_key_data, key_filename)
 *                    the agent's keys are offered only if they are one of
 *                    them (a key file that does not load is matched by its
 *                    ".pub" file), and ~/.ssh/id_* are not searched. With no
 *                    key given it changes nothing. Default "0": paramiko's
 *                    order (given keys, key files, agent, ~/.ssh/id_*).
 * Returns GOSSH_E_INVALID for an unknown name or a value that does not parse
 * (the message names the option and never repeats the value, which may be a
 * password set under the wrong name). Does not block.
 */
int gossh_options_set(gossh_options *opts, const char *name, const char *value,
                      gossh_error **err);

/*
 * gossh_options_set_list — sets n options at once: names[i] to values[i],
 * in order, each as gossh_options_set would (so "key_filename" appends).
 * All or none: if one is refused, none of the n is set and the options are
 * as before the call. For a binding that builds many options objects (one
 * per host of a group), one call instead of one per option. values[i] NULL
 * is "". n 0 sets nothing and returns 0. Does not block.
 * Returns 0; GOSSH_E_INVALID for NULL names or values (with n > 0), a NULL
 * names[i], n over 4096, an unknown name or a value that does not parse
 * (the message names the option, as gossh_options_set's does, and never
 * repeats the value); GOSSH_E_BADHANDLE.
 */
int gossh_options_set_list(gossh_options *opts, const char *const *names,
                           const char *const *values, size_t n, gossh_error **err);

/*
 * gossh_options_add_key — appends an already-loaded private key (paramiko's
 * pkey). Keys added this way are tried first, before key_filename. The
 * options keep their own reference; the caller may free key afterwards.
 */
int gossh_options_add_key(gossh_options *opts, const gossh_key *key, gossh_error **err);

/*
 * gossh_options_add_key_data — appends a private key given as the len bytes
 * of its file text (any format gossh_key_from_data takes), copied before
 * the call returns. It is parsed by gossh_client_connect and unlocked there
 * as key_filename keys are: with "passphrase", else "password". Such keys
 * are tried after those of gossh_options_add_key and before key_filename.
 * A key that does not parse or unlock is skipped, and its error
 * (GOSSH_E_KEY, GOSSH_E_PASSWORD_REQUIRED) is what connect reports when
 * nothing else could authenticate, as for key files. Does not block.
 * Returns 0; GOSSH_E_INVALID for NULL or empty data or more than 1 MiB.
 */
int gossh_options_add_key_data(gossh_options *opts, const void *data, size_t len,
                               gossh_error **err);

/* gossh_options_free — releases options. NULL and repeats are no-ops. */
void gossh_options_free(gossh_options *opts);

/* ------------------------------------------------------------------------ */
/* Host-key policy                                                           */
/* ------------------------------------------------------------------------ */

#define GOSSH_POLICY_REJECT 0   /* default: an unknown host fails with GOSSH_E_HOSTKEY_UNKNOWN */
#define GOSSH_POLICY_AUTOADD 1  /* accept, add to the client's host keys, save if a file was loaded */
#define GOSSH_POLICY_WARNING 2  /* accept without adding (the binding warns) */

/*
 * gossh_hostkey_cb — a custom missing-host-key policy, called once per
 * connection when the server's host key is not in the client's host keys.
 *   hostname:   the name looked up, "[host]:port" when port != 22
 *   key_type:   e.g. "ssh-ed25519"
 *   key_base64: the key blob, base64 as in known_hosts
 *   fingerprint: "SHA256:..." as ssh-keygen -l prints it
 * Return GOSSH_HOSTKEY_ACCEPT (1) to accept, GOSSH_HOSTKEY_ACCEPT_ADD (2)
 * to accept and also add the key to the client's host keys (saved if a
 * file was loaded), GOSSH_HOSTKEY_REJECT (0) to reject. These are the only
 * accept values: ANY other return value (3, 7, -1, ...) rejects, exactly
 * as 0 does, so that garbage from a failed callback fails closed. Runs on
 * an unspecified thread while gossh_client_connect() is blocked. The strings
 * are valid only during the call.
 */
#define GOSSH_HOSTKEY_REJECT 0
#define GOSSH_HOSTKEY_ACCEPT 1
#define GOSSH_HOSTKEY_ACCEPT_ADD 2
typedef int (*gossh_hostkey_cb)(const char *hostname, const char *key_type,
                                const char *key_base64, const char *fingerprint,
                                void *userdata);

/* ------------------------------------------------------------------------ */
/* Host keys (an OpenSSH known_hosts store, paramiko's HostKeys)             */
/* ------------------------------------------------------------------------ */

/*
 * A gossh_hostkeys handle is a known_hosts store: entries of host patterns
 * and a key, as OpenSSH writes them. Host names are looked up as OpenSSH
 * and paramiko do: "host" for port 22, "[host]:port" otherwise. Patterns
 * may use "*" and "?", "!" negates, "|1|salt|hash" is a hashed name.
 * "@cert-authority PATTERNS KEY" lines make certificates signed by KEY
 * acceptable for the hosts (checked by gossh_client_connect: host type,
 * valid now, the host name without "[...]:port" among the principals; the
 * certificate algorithms are offered first to such hosts). "@revoked
 * PATTERNS KEY" lines refuse KEY (also as a certificate's key or CA) even
 * where another line accepts it. Keys are passed as "type base64" text (an
 * optional trailing comment is ignored).
 * All functions are safe to call from any thread on the same store; none
 * blocks except on local file I/O (load, save). A store handle obtained from
 * a client (gossh_client_get_host_keys) is the client's live store: changes
 * through it are seen by the client's next host-key check.
 */

/* gossh_hostkeys_new — a new, empty store; caller frees with gossh_hostkeys_free. */
int gossh_hostkeys_new(gossh_hostkeys **out, gossh_error **err);

/*
 * gossh_hostkeys_free — releases the handle. A handle from
 * gossh_client_get_host_keys only lets go of the store: the client keeps
 * using it. NULL and repeats are no-ops.
 */
void gossh_hostkeys_free(gossh_hostkeys *hk);

/*
 * gossh_hostkeys_load — reads a known_hosts file and merges it in (an entry
 * for the same patterns, marker and key type as an existing one replaces
 * it). Fields may be separated by spaces or tabs. Malformed lines are
 * skipped and logged as warnings ("<logchannel>.hostkeys", with file:line;
 * never quoting key material). Returns 0, GOSSH_E_IO (cannot read; also for
 * a missing file), GOSSH_E_INVALID (NULL path).
 */
int gossh_hostkeys_load(gossh_hostkeys *hk, const char *path, gossh_error **err);

/*
 * gossh_hostkeys_save — writes every entry to path (mode 0600, through a
 * temporary file and rename): lines that were loaded exactly as they were
 * read (hashed entries stay hashed), then entries added since. Comments and
 * malformed lines of the loaded file are not kept. Returns 0, GOSSH_E_IO,
 * GOSSH_E_INVALID.
 */
int gossh_hostkeys_save(gossh_hostkeys *hk, const char *path, gossh_error **err);

/*
 * gossh_hostkeys_add — records key ("type base64") for hostname, an exact
 * name such as "example.com" or "[example.com]:2222" (paramiko's add). A key
 * of the same type recorded under that name is replaced (a hashed entry
 * keeps its hashed name); if the name shared a line with other hosts, it is
 * taken off that line. Returns 0, GOSSH_E_KEY (key does not parse, or its
 * type does not match the blob), GOSSH_E_INVALID (NULL or empty hostname).
 */
int gossh_hostkeys_add(gossh_hostkeys *hk, const char *hostname, const char *key,
                       gossh_error **err);

/*
 * gossh_hostkeys_add_line — adds one known_hosts line, markers allowed
 * ("@cert-authority *.example.com ssh-ed25519 AAAA..."), merged as
 * gossh_hostkeys_load merges. Returns 0, GOSSH_E_KEY (malformed line),
 * GOSSH_E_INVALID (NULL, blank or comment line).
 */
int gossh_hostkeys_add_line(gossh_hostkeys *hk, const char *line, gossh_error **err);

/*
 * gossh_hostkeys_remove — forgets the keys recorded under hostname exactly
 * (plainly or hashed), only those of key_type unless it is NULL or "".
 * Wildcard patterns, @cert-authority and @revoked lines are left alone; a
 * line naming other hosts too keeps them. Returns 1 if something was
 * removed, 0 if nothing matched, GOSSH_E_INVALID for a NULL hostname.
 */
int gossh_hostkeys_remove(gossh_hostkeys *hk, const char *hostname, const char *key_type,
                          gossh_error **err);

/* gossh_hostkeys_clear — forgets every entry. Returns 0. */
int gossh_hostkeys_clear(gossh_hostkeys *hk, gossh_error **err);

/*
 * gossh_hostkeys_lookup — the keys that plain lines record for hostname
 * (patterns and hashes matched), one per key type (the first in file
 * order), as "type base64\n" lines in *out ("" if none; caller frees with
 * gossh_free). Returns 0, GOSSH_E_INVALID.
 */
int gossh_hostkeys_lookup(gossh_hostkeys *hk, const char *hostname, char **out,
                          gossh_error **err);

/*
 * gossh_hostkeys_check — 1 if this store alone accepts key ("type base64")
 * for hostname: not revoked, and recorded for it or a valid host
 * certificate from a @cert-authority for it; 0 if not. Does not block.
 * Returns 1, 0, GOSSH_E_KEY (key does not parse; the message says why),
 * GOSSH_E_INVALID (NULL hostname or key), GOSSH_E_BADHANDLE.
 */
int gossh_hostkeys_check(gossh_hostkeys *hk, const char *hostname, const char *key,
                         gossh_error **err);

/*
 * gossh_hostkeys_count — the number of entries (lines, markers included),
 * or a negative code for a bad handle.
 */
int gossh_hostkeys_count(gossh_hostkeys *hk);

/*
 * gossh_hostkeys_entries — the whole store as known_hosts text (what
 * gossh_hostkeys_save would write) in *out; caller frees with gossh_free.
 */
int gossh_hostkeys_entries(gossh_hostkeys *hk, char **out, gossh_error **err);

/*
 * gossh_hostkeys_hostnames — the host patterns of the plain lines, each once,
 * in file order, one per line ("" if none); a hashed entry gives its
 * "|1|salt|hash" (paramiko's HostKeys.keys()). Caller frees *out with
 * gossh_free.
 */
int gossh_hostkeys_hostnames(gossh_hostkeys *hk, char **out, gossh_error **err);

/*
 * gossh_hostkeys_hash_host — OpenSSH's hashed form "|1|salt|hash" of
 * hostname (paramiko's HostKeys.hash_host). salt NULL or "" draws a random
 * salt; otherwise it is the salt in base64, or a whole "|1|salt|hash" whose
 * salt is reused (hashing a name with an entry's salt and comparing tells
 * whether the entry is for that name). *out: caller frees with gossh_free.
 * Returns 0, GOSSH_E_INVALID (NULL hostname, salt not base64).
 */
int gossh_hostkeys_hash_host(const char *hostname, const char *salt, char **out,
                             gossh_error **err);

/*
 * gossh_client_get_host_keys — a new handle to the client's own live store
 * (loaded with gossh_client_load_host_keys, added to by the auto-add policy,
 * written by gossh_client_save_host_keys; paramiko's get_host_keys()).
 * Changes through it affect the client's checks; freeing the handle does not
 * affect the client. Caller frees with gossh_hostkeys_free.
 */
int gossh_client_get_host_keys(gossh_client *c, gossh_hostkeys **out, gossh_error **err);

/*
 * gossh_client_get_system_host_keys — as gossh_client_get_host_keys, for the
 * system store (gossh_client_load_system_host_keys; consulted first, never
 * saved).
 */
int gossh_client_get_system_host_keys(gossh_client *c, gossh_hostkeys **out,
                                      gossh_error **err);

/*
 * gossh_client_share_host_keys — makes c use from's stores (system and own)
 * and the file its auto-add policy saves to, from now on, so that two
 * clients share one set of host keys. Reconnecting needs no new client: a
 * closed client may gossh_client_connect again and keeps its host keys,
 * policy and log channel.
 */
int gossh_client_share_host_keys(gossh_client *c, const gossh_client *from, gossh_error **err);

/* ------------------------------------------------------------------------ */
/* ssh_config (an OpenSSH client configuration, paramiko's SSHConfig)        */
/* ------------------------------------------------------------------------ */

/*
 * gossh resolves ssh_config files itself, with OpenSSH's rules (readconf.c
 * of OpenSSH 9.2, and checked against `ssh -G`): the first value obtained
 * for a keyword wins, except for those that accumulate (IdentityFile,
 * CertificateFile, LocalForward, RemoteForward, DynamicForward, SendEnv;
 * see gossh_sshconfig_multi_keywords); Host patterns (*, ?, !) and Match
 * (host, originalhost, user, localuser, exec, canonical, final, all, with
 * ! and comma lists); the second pass that `Match final` or
 * CanonicalizeHostname asks for; Include with globs and ~ (a relative path
 * is under ~/.ssh, or /etc/ssh for the system file); `keyword value`,
 * `keyword=value`, quotes; keywords in any case. Unknown keywords are kept,
 * not errors. Tokens (%h %p %r %u %n %d %l %L %i %C %k %%), ~ and ${VAR}
 * are expanded where ssh expands them: HostName (%h), IdentityFile,
 * CertificateFile, UserKnownHostsFile, ControlPath, IdentityAgent,
 * RemoteCommand and ProxyCommand (%h %n %p %r). Other values are returned as
 * written, with quotes removed and arguments joined by one space
 * (ProxyCommand, LocalCommand, RemoteCommand, KnownHostsCommand keep the
 * rest of their line as written).
 * A handle is safe to use from several threads at once.
 */

/*
 * gossh_sshconfig_from_path — reads and parses the file at path, as `ssh -F
 * path` reads it; path NULL reads the files ssh reads by default,
 * ~/.ssh/config then /etc/ssh/ssh_config, skipping those that do not
 * exist. Included files are read now. *out receives a new handle that the
 * caller frees with gossh_sshconfig_free (NULL on failure). Does not block
 * beyond reading the files. Returns 0; GOSSH_E_IO (a file cannot be read;
 * details "path", "errno_name"); GOSSH_E_INVALID (a line does not parse:
 * the message names file and line, details "path" and "line"; out NULL;
 * path "").
 */
int gossh_sshconfig_from_path(const char *path, gossh_sshconfig **out, gossh_error **err);

/*
 * gossh_sshconfig_from_text — parses text (the contents of a file, read as
 * a user file: relative Includes are under ~/.ssh). Otherwise as
 * gossh_sshconfig_from_path.
 */
int gossh_sshconfig_from_text(const char *text, gossh_sshconfig **out, gossh_error **err);

/*
 * gossh_sshconfig_add_text — parses text and appends it to cfg as a further
 * file, read after those cfg holds and from its own top (paramiko's
 * repeated SSHConfig.parse). cfg is unchanged on failure. Returns 0,
 * GOSSH_E_INVALID (NULL text, a line that does not parse), GOSSH_E_IO (an
 * Include cannot be read), GOSSH_E_BADHANDLE.
 */
int gossh_sshconfig_add_text(gossh_sshconfig *cfg, const char *text, gossh_error **err);

/*
 * gossh_sshconfig_lookup — resolves host as `ssh [-l user] [-p port] host`
 * would. user (NULL or "": none) and port (0: none) are what the caller
 * already knows: they win over the files and are what `Match user` and the
 * tokens see. BLOCKS while `Match exec` commands run (by /bin/sh -c; their
 * stdout is discarded, their stderr logged at GOSSH_LOG_DEBUG), and for DNS
 * when CanonicalizeHostname is on.
 * *out receives the result as lines "keyword\tvalue\n": keywords in lower
 * case, in the order they were obtained, a keyword that accumulates once per
 * value in order; the value is the rest of the line after the first tab (it
 * may hold tabs, never a newline). "hostname" is always there: HostName
 * expanded, else host; lower case unless an address, as ssh. User and port
 * given here appear as "user" and "port". The caller frees *out with
 * gossh_free. Returns 0; GOSSH_E_INVALID (NULL host or out, port out of
 * 0..65535, a `Match exec` that cannot run); GOSSH_E_CONNECT
 * (CanonicalizeHostname with CanonicalizeFallbackLocal no and no domain
 * resolved; detail "reason" "resolve"); GOSSH_E_BADHANDLE.
 */
int gossh_sshconfig_lookup(const gossh_sshconfig *cfg, const char *host, const char *user, int port,
                           char **out, gossh_error **err);

/*
 * gossh_sshconfig_hostnames — the patterns of every Host line (included
 * files too), each once, in the order written, as "pattern\n" lines in
 * *out (paramiko's get_hostnames); caller frees with gossh_free. Returns 0,
 * GOSSH_E_INVALID (out NULL), GOSSH_E_BADHANDLE.
 */
int gossh_sshconfig_hostnames(const gossh_sshconfig *cfg, char **out, gossh_error **err);

/*
 * gossh_sshconfig_multi_keywords — the keywords whose values accumulate, as
 * "keyword\n" lines in *out (so that a binding returns a list for them);
 * caller frees with gossh_free. Returns 0, GOSSH_E_INVALID (out NULL).
 */
int gossh_sshconfig_multi_keywords(char **out, gossh_error **err);

/* gossh_sshconfig_free — releases cfg. NULL and repeats are no-ops. */
void gossh_sshconfig_free(gossh_sshconfig *cfg);

/* ------------------------------------------------------------------------ */
/* Client                                                                    */
/* ------------------------------------------------------------------------ */

/*
 * gossh_client_new — a new, unconnected client with the reject policy and no
 * host keys. Caller frees with gossh_client_free(). Does not block.
 */
int gossh_client_new(gossh_client **out, gossh_error **err);

/*
 * gossh_client_set_policy — selects a built-in missing-host-key policy
 * (GOSSH_POLICY_*). Replaces any callback set earlier. GOSSH_E_INVALID for
 * an unknown policy.
 */
int gossh_client_set_policy(gossh_client *c, int policy, gossh_error **err);

/*
 * gossh_client_set_policy_callback — installs a custom missing-host-key
 * policy (see gossh_hostkey_cb). cb NULL restores the reject policy. The
 * caller keeps userdata alive until the client is freed or another policy is
 * set.
 */
int gossh_client_set_policy_callback(gossh_client *c, gossh_hostkey_cb cb,
                                     void *userdata, gossh_error **err);

/*
 * gossh_client_load_system_host_keys — loads an OpenSSH known_hosts file as
 * "system" host keys, which are never saved back. path NULL or "" means
 * ~/.ssh/known_hosts, and then a missing file is silently ignored.
 * Malformed lines are skipped. GOSSH_E_IO if a named file cannot be read.
 */
int gossh_client_load_system_host_keys(gossh_client *c, const char *path,
                                       gossh_error **err);

/*
 * gossh_client_load_host_keys — loads a known_hosts file, merged over earlier
 * loads (new entries replace old for the same host and key type), and
 * remembers it as the file that gossh_client_save_host_keys() and the
 * auto-add policy write to. A missing file is not an error (it will be
 * created on save). Malformed lines are skipped.
 */
int gossh_client_load_host_keys(gossh_client *c, const char *path, gossh_error **err);

/*
 * gossh_client_save_host_keys — writes the client's (non-system) host keys to
 * path in known_hosts format. GOSSH_E_IO on failure.
 */
int gossh_client_save_host_keys(gossh_client *c, const char *path, gossh_error **err);

/*
 * gossh_client_connect — connects, checks the host key and authenticates,
 * following paramiko's SSHClient.connect(): keys added with
 * gossh_options_add_key, then key_filename keys, then agent keys
 * (allow_agent), then ~/.ssh/id_* (look_for_keys), then the password (with
 * keyboard-interactive as fallback). RSA keys sign with rsa-sha2-256/512
 * where the server allows it.
 * BLOCKS for up to timeout + banner_timeout + auth_timeout (each as set in
 * opts) plus the time a policy callback takes.
 * Returns 0, or GOSSH_E_CONNECT, GOSSH_E_TIMEOUT, GOSSH_E_PROTOCOL,
 * GOSSH_E_HOSTKEY_UNKNOWN, GOSSH_E_HOSTKEY_MISMATCH, GOSSH_E_AUTH,
 * GOSSH_E_BADAUTHTYPE, GOSSH_E_PASSWORD_REQUIRED, GOSSH_E_CLOSED (closed
 * during connect), GOSSH_E_INVALID (already connected, no hostname).
 * opts is only read; the caller still owns it.
 */
int gossh_client_connect(gossh_client *c, const gossh_options *opts, gossh_error **err);

/*
 * gossh_client_connect_fd — as gossh_client_connect, over fd, a connected
 * socket (or another bidirectional descriptor, such as a tty) that the
 * caller holds: paramiko's connect(sock=...). The library DUPLICATES fd
 * (close-on-exec): the caller keeps ownership of fd and may close it as
 * soon as the call returns, whatever it returns; the duplicate belongs to
 * the client and is closed on failure and by gossh_client_close. The
 * options' "hostname" and "port" name the server for the host-key check
 * (hostname is required); "timeout", "proxy_command" and "proxy_jump" do
 * not apply. The banner and auth timeouts hold as over TCP.
 * BLOCKS for up to banner_timeout + auth_timeout plus the time a policy
 * callback takes.
 * Returns 0, or GOSSH_E_INVALID (negative fd, no hostname, already
 * connected), GOSSH_E_IO (fd cannot be duplicated: not open), or any code
 * of gossh_client_connect but GOSSH_E_CONNECT. opts is only read.
 */
int gossh_client_connect_fd(gossh_client *c, int fd, const gossh_options *opts,
                            gossh_error **err);

/*
 * gossh_client_connect_via — as gossh_client_connect, through via, another
 * connected client: a "direct-tcpip" channel of via to the options'
 * hostname and port carries the connection (one hop of OpenSSH's
 * ProxyJump; call it again with the new client as via for another hop).
 * via checked its own server's key by its own policy; c checks the
 * target's by c's. Opening the channel waits at most the "timeout" option
 * (unset: via's channel_timeout, else no limit); the banner and auth
 * timeouts hold over the channel. c does not own via: closing via ends c's
 * connection (GOSSH_E_CLOSED on c's calls); closing or freeing c leaves via
 * connected. via must not be freed while c uses it.
 * BLOCKS for up to timeout + banner_timeout + auth_timeout plus the time a
 * policy callback takes.
 * Returns 0, or GOSSH_E_CONNECT (via's server could not reach the target:
 * detail "reason" "jump"), GOSSH_E_NOT_CONNECTED / GOSSH_E_CLOSED (via is
 * not connected), GOSSH_E_INVALID (via is c, no hostname, already
 * connected), or any code of gossh_client_connect. opts is only read.
 */
int gossh_client_connect_via(gossh_client *c, gossh_client *via,
                             const gossh_options *opts, gossh_error **err);

/*
 * gossh_client_connect_channel — as gossh_client_connect, over ch, an open
 * channel of another client (Fabric's gateway: a "direct-tcpip" channel to
 * the server, from gossh_client_open_direct_tcpip). From the call on, the
 * connection uses the channel's data: do not read or write ch yourself.
 * The channel is closed on failure and when c closes; the caller still
 * owns the handle and frees it with gossh_channel_free (after c is done
 * with it). The options' "hostname" and "port" name the server for the
 * host-key check (hostname is required).
 * BLOCKS as gossh_client_connect_fd. Returns 0, or GOSSH_E_INVALID,
 * GOSSH_E_BADHANDLE, GOSSH_E_CLOSED (the channel is closed), or any code of
 * gossh_client_connect but GOSSH_E_CONNECT.
 */
int gossh_client_connect_channel(gossh_client *c, gossh_channel *ch,
                                 const gossh_options *opts, gossh_error **err);

/*
 * gossh_client_auth_none, gossh_client_auth_password,
 * gossh_client_auth_publickey — one authentication attempt on a client
 * connected with the "step_auth" option (paramiko's auth_none,
 * auth_password, auth_publickey). Each returns when the server has
 * answered that attempt. username is the options' "username" (NULL or ""
 * mean it): x/crypto/ssh fixes the user when the connection starts, so
 * another name is GOSSH_E_INVALID. auth_password, against a server that
 * takes no passwords but keyboard-interactive, answers its prompts with the
 * password (paramiko's fallback).
 * BLOCKS for up to the auth_timeout option (which counts only the
 * exchanges with the server, not the time between calls).
 * Returns 0 when the client is authenticated, or on partial success (the
 * server wants another method too): then, if remaining is not NULL,
 * *remaining receives the methods it allows next, comma-separated, which
 * the caller frees with gossh_free (NULL when fully authenticated).
 * Failures: GOSSH_E_AUTH (the server refused this attempt; try another),
 * GOSSH_E_BADAUTHTYPE (the server does not allow this method; auth_none's
 * usual answer, which is how to learn the methods), both with detail
 * "allowed_types"; GOSSH_E_TIMEOUT (stage "auth"), GOSSH_E_CLOSED (the
 * client was closed or the connection lost); GOSSH_E_NOT_CONNECTED (not
 * connected with step_auth); GOSSH_E_INVALID (another username, NULL
 * password, already authenticated, another attempt in progress).
 * The key is only read; the caller still owns it.
 */
int gossh_client_auth_none(gossh_client *c, const char *username, char **remaining,
                           gossh_error **err);
int gossh_client_auth_password(gossh_client *c, const char *username, const char *password,
                               char **remaining, gossh_error **err);
int gossh_client_auth_publickey(gossh_client *c, const char *username, const gossh_key *key,
                                char **remaining, gossh_error **err);

/*
 * gossh_socketpair — a connected pair of Unix stream sockets (close-on-exec)
 * in fds[0] and fds[1], for a binding that bridges a stream of its own
 * language to gossh_client_connect_fd: it gives fds[1] to connect_fd
 * (which duplicates it), closes fds[1], and pumps its stream through
 * fds[0]. The caller owns both descriptors and closes them with close().
 * Does not block. Returns 0, GOSSH_E_INVALID (fds NULL) or GOSSH_E_IO.
 */
int gossh_socketpair(int fds[2], gossh_error **err);

/*
 * gossh_client_is_active — 1 if the client is connected and the connection
 * is alive, 0 otherwise (also for bad handles). Does not block.
 */
int gossh_client_is_active(const gossh_client *c);

/*
 * gossh_client_is_authenticated — 1 if the client has authenticated and is
 * still connected, 0 otherwise. Does not block.
 */
int gossh_client_is_authenticated(const gossh_client *c);

/*
 * gossh_client_exec — opens a session channel and runs command on it, as
 * paramiko's exec_command(). stdout and stderr are drained concurrently in the
 * background, so reading one stream first never deadlocks on the other.
 * BLOCKS until the server accepts or refuses the channel and the command,
 * for at most timeout_ms for each of the two (see "Timeouts": -1 is the
 * channel_timeout option, else no limit). With a pty, variables or combined
 * stderr, use gossh_client_start.
 * Returns 0 and *out (caller frees with gossh_channel_free); GOSSH_E_CHANNEL
 * if the server refuses; GOSSH_E_NOT_CONNECTED; GOSSH_E_CLOSED;
 * GOSSH_E_TIMEOUT.
 */
int gossh_client_exec(gossh_client *c, const char *command, int timeout_ms,
                      gossh_channel **out, gossh_error **err);

/*
 * gossh_client_close — closes the connection and every channel on it. Calls
 * blocked on this client or its channels in other threads return
 * GOSSH_E_CLOSED promptly. Safe to call twice and from any thread. Returns 0
 * (also when already closed or never connected).
 * The client may then connect again (paramiko's close() then connect()),
 * keeping its host keys, policy and log channel.
 */
int gossh_client_close(gossh_client *c, gossh_error **err);

/*
 * gossh_client_free — closes (as gossh_client_close) and releases the
 * client. Channels opened on it stay valid handles but report
 * GOSSH_E_CLOSED. NULL and repeats are no-ops.
 */
void gossh_client_free(gossh_client *c);

/* ------------------------------------------------------------------------ */
/* Channels                                                                  */
/* ------------------------------------------------------------------------ */

#define GOSSH_STREAM_STDOUT 0
#define GOSSH_STREAM_STDERR 1

/*
 * gossh_channel_read — reads up to cap bytes from stream (GOSSH_STREAM_*)
 * into buf. *nread receives the count; 0 with return 0 means the server
 * really ended the stream. A stream cut off by a lost connection or a local
 * close returns GOSSH_E_CLOSED after its data, never a clean end (see "Ends
 * of streams" above). cap must be at least 1; one read returns at most
 * 1 GiB, whatever cap says.
 * BLOCKS until at least one byte is available, the stream ends, or
 * timeout_ms passes (see "Timeouts").
 * A stream that has carried 64 KiB is then read without entering the
 * library's runtime: its buffer starts with a 512 KiB ring (memory held
 * until gossh_channel_free) that this call copies from, and a wait is a
 * futex wait on it in the calling thread.
 * Returns 0, GOSSH_E_TIMEOUT (nothing read, *nread = 0; arms a watched
 * channel for this stream, see "Readiness events"), GOSSH_E_CLOSED,
 * GOSSH_E_INVALID (NULL buf/nread, cap 0, a bad stream number or timeout).
 */
int gossh_channel_read(gossh_channel *ch, int stream, void *buf, size_t cap,
                       int timeout_ms, size_t *nread, gossh_error **err);

/*
 * gossh_channel_read_any — reads up to cap bytes from whichever stream has
 * data (stdout first when both have), storing GOSSH_STREAM_STDOUT or
 * GOSSH_STREAM_STDERR in *stream and the count in *nread. When both streams
 * have ended and nothing is left, returns 0 with *nread = 0 and *stream = -1.
 * Lets an event-loop binding drain both streams with one call. BLOCKS as
 * gossh_channel_read. Returns 0, GOSSH_E_TIMEOUT (arms a watched channel
 * for both streams), GOSSH_E_CLOSED, GOSSH_E_INVALID.
 */
int gossh_channel_read_any(gossh_channel *ch, void *buf, size_t cap, int timeout_ms,
                           int *stream, size_t *nread, gossh_error **err);

/*
 * gossh_channel_read_ready — number of bytes that a read of stream would
 * return at once (0 if none), or 1 if the stream has ended with nothing
 * left (so that a read returns EOF without waiting). Does not block.
 * Returns that count (>= 0), or GOSSH_E_INVALID (a stream number other
 * than GOSSH_STREAM_*, a NULL handle), GOSSH_E_BADHANDLE.
 */
int64_t gossh_channel_read_ready(gossh_channel *ch, int stream, gossh_error **err);

/*
 * gossh_channel_write — writes len bytes of buf to the command's stdin (the
 * channel's data) and stores in *written (may be NULL) how many it
 * accepted. Any len is taken in full, in chunks; buf is not used after the
 * call returns. len 0 is a flush: it waits, as timeout_ms allows, for the
 * chunk still in flight (if any) to go out.
 * "Accepted" is what a socket's send buffer means: the bytes have been sent,
 * or are in the one chunk (at most 1 MiB) still waiting for the server's
 * window, which goes out before any later write or EOF unless the channel
 * or connection ends first (a later call then reports it).
 * BLOCKS while the server's window is full, for at most timeout_ms (see
 * "Timeouts": 0 hands over one chunk and returns); closing the channel or
 * its client from another thread ends the wait.
 * Returns 0 when all len bytes were accepted (*written == len; with len 0,
 * when no chunk is left in flight);
 * GOSSH_E_TIMEOUT when the window stayed full: *written bytes were
 * accepted and the rest was NOT sent, so writing buf + *written later sends
 * nothing twice (a watched channel is armed: a record follows when the
 * chunk in flight has gone out, see "Readiness events"); GOSSH_E_CLOSED
 * (closed meanwhile, the connection lost, or after
 * gossh_channel_send_eof), with *written as far as it is known;
 * GOSSH_E_INVALID (NULL buf with len > 0, a bad timeout).
 */
int gossh_channel_write(gossh_channel *ch, const void *buf, size_t len, int timeout_ms,
                        size_t *written, gossh_error **err);

/*
 * gossh_channel_send_eof — tells the command that its stdin has ended
 * (paramiko's shutdown_write), after the data already accepted. Repeats are
 * no-ops. BLOCKS while an accepted chunk still waits for window space
 * (closing the channel ends the wait; an event loop that must not block
 * flushes first with a 0-byte gossh_channel_write of timeout 0). Returns 0, or GOSSH_E_CLOSED when
 * that chunk could not be sent.
 */
int gossh_channel_send_eof(gossh_channel *ch, gossh_error **err);

/*
 * gossh_channel_exit_status — waits for the command to finish and stores its
 * exit status in *status (-1 if the server sent none, e.g. killed by a
 * signal). Output not yet read stays readable.
 * BLOCKS for at most timeout_ms (see "Timeouts"). Returns 0,
 * GOSSH_E_TIMEOUT (arms a watched channel for the exit status),
 * GOSSH_E_CLOSED (the channel was closed locally, or the connection was
 * lost before an exit status arrived).
 */
int gossh_channel_exit_status(gossh_channel *ch, int timeout_ms, int *status,
                              gossh_error **err);

/*
 * gossh_channel_exit_status_ready — 1 if the exit status has arrived, 0 if
 * not, negative code on error. Does not block.
 */
int gossh_channel_exit_status_ready(gossh_channel *ch);

/* Channel state bits returned by gossh_channel_state. */
#define GOSSH_CHANNEL_STDOUT_EOF 1     /* a read of stdout returns the end at once */
#define GOSSH_CHANNEL_STDERR_EOF 2     /* a read of stderr returns the end at once */
#define GOSSH_CHANNEL_REMOTE_CLOSED 4  /* the server closed the channel */
#define GOSSH_CHANNEL_EXIT_READY 8     /* the exit status is known, or will never come */
#define GOSSH_CHANNEL_CLOSED 16        /* closed locally, or the connection is gone */

/*
 * gossh_channel_state — the channel's state as a mask of GOSSH_CHANNEL_*
 * bits (>= 0), or a negative code for a bad handle. Does not block.
 */
int gossh_channel_state(gossh_channel *ch);

/*
 * gossh_channel_close — closes the channel. Blocked reads and writes on it
 * return GOSSH_E_CLOSED (reads first return data already received; a
 * stream that had already ended cleanly still reads as ended). The fileno
 * descriptor stays open, and readable, until gossh_channel_free. Safe to
 * call twice and from any thread.
 */
int gossh_channel_close(gossh_channel *ch, gossh_error **err);

/* gossh_channel_free — closes and releases. NULL and repeats are no-ops. */
void gossh_channel_free(gossh_channel *ch);

/*
 * gossh_channel_id — the channel's number, unique within its client
 * (paramiko's get_id), or a negative code. Does not block.
 */
int gossh_channel_id(gossh_channel *ch);

/*
 * gossh_channel_info — one fact about the channel by name, in *out (caller
 * frees with gossh_free): "type" ("session", "direct-tcpip",
 * "forwarded-tcpip"), "origin" and "dest" (host:port of a forwarded or
 * direct-tcpip channel; "" otherwise; a forwarded channel's "dest" is its
 * forwarding as requested: the address as given to
 * gossh_client_request_port_forward, "" included, and the port bound), "origin_host", "origin_port",
 * "dest_host", "dest_port" (their parts: the host without brackets, the
 * port in decimal, "0" when there is none), "exit_signal" (the signal name that
 * ended the command, e.g. "TERM", or ""). GOSSH_E_INVALID for an unknown
 * name. Does not block.
 */
int gossh_channel_info(gossh_channel *ch, const char *name, char **out, gossh_error **err);

/* ------------------------------------------------------------------------ */
/* Starting a session in one call                                            */
/* ------------------------------------------------------------------------ */

/*
 * A gossh_session_spec says how to start a session channel: what to run, a
 * pseudo-terminal, environment variables, combined stderr and a time limit.
 * gossh_client_start carries it out in one order, the library's: open the
 * channel, request the pty, set the variables sorted by name, combine
 * stderr, then exec, shell or subsystem. A spec is only read by
 * gossh_client_start, may be reused for any number of sessions and
 * clients, and is safe to use from any thread. None of these functions
 * blocks except gossh_client_start.
 */

/*
 * gossh_session_spec_new — a new spec that starts nothing yet, with no pty,
 * no variables, stderr apart and no timeout given (-1). Caller frees with
 * gossh_session_spec_free. Returns 0, GOSSH_E_INVALID (NULL out).
 */
int gossh_session_spec_new(gossh_session_spec **out, gossh_error **err);

/*
 * gossh_session_spec_set — sets one field by name from its text form:
 *   "command"        exec this command (paramiko's exec_command)
 *   "shell"          "1": start the login shell (invoke_shell); "0": start
 *                    nothing
 *   "subsystem"      start this subsystem, e.g. "sftp" (invoke_subsystem)
 *                    The last of command, shell and subsystem set decides.
 *                    With none, gossh_client_start opens the session and
 *                    makes its pty and env requests only: follow with
 *                    gossh_channel_exec, _shell or _subsystem.
 *   "pty"            "1": request a pseudo-terminal, vt100 80x24 unless
 *                    set otherwise; "0": none (the default)
 *   "term", "cols", "rows", "width_pixels", "height_pixels"
 *                    the terminal's type and size (sizes in 0..65535,
 *                    checked by gossh_client_start); setting any of them
 *                    also turns the pty on
 *   "combine_stderr" "1": stderr arrives on stdout from the start
 *                    (paramiko's set_combine_stderr)
 *   "forward_agent"  "1": ask for agent forwarding on this session first
 *                    (paramiko's AgentRequestHandler(channel)); a refusal
 *                    is logged, not an error. OpenSSH forwards once per
 *                    connection, to every session from then on.
 *   "timeout"        milliseconds for the open and for each request (a
 *                    fraction rounds up), by the one rule (see
 *                    "Timeouts"): "-1" (the default) none
 *                    given, so the connection's channel_timeout applies;
 *                    "0" fails at once
 * Booleans take 1/0, true/false, yes/no, on/off. value NULL is "".
 * Returns 0; GOSSH_E_INVALID for an unknown name, a value that does not
 * parse, an empty subsystem name or a timeout below -1 (the message names
 * the field and never repeats the value).
 */
int gossh_session_spec_set(gossh_session_spec *spec, const char *name, const char *value,
                           gossh_error **err);

/*
 * gossh_session_spec_set_env — sets one environment variable to send
 * (paramiko's environment; a later value for the same name replaces the
 * earlier). They are sent sorted by name, without asking for a reply (as
 * paramiko and OpenSSH's ssh): a name the server does not accept (OpenSSH's
 * AcceptEnv; Dropbear accepts none) is dropped, the command runs without it,
 * and a debug log record says it was sent. value NULL is "". Returns 0; GOSSH_E_INVALID for a
 * NULL or empty name.
 */
int gossh_session_spec_set_env(gossh_session_spec *spec, const char *name, const char *value,
                               gossh_error **err);

/* gossh_session_spec_free — releases a spec. NULL and repeats are no-ops. */
void gossh_session_spec_free(gossh_session_spec *spec);

/*
 * gossh_client_start — opens a session channel on c and starts it as spec
 * says (see above). stdout and stderr are drained in the background, as
 * for gossh_client_exec.
 * BLOCKS until the server has answered the open and every request, each
 * for at most the spec's timeout (see "Timeouts"). On failure no channel
 * is left open.
 * Returns 0 and *out (caller frees with gossh_channel_free);
 * GOSSH_E_INVALID (NULL out or spec, a pty size out of range, checked
 * before anything is sent); GOSSH_E_CHANNEL (the server refused the
 * channel or a request: a pty, a variable, the command, the subsystem);
 * GOSSH_E_TIMEOUT; GOSSH_E_NOT_CONNECTED; GOSSH_E_CLOSED.
 */
int gossh_client_start(gossh_client *c, const gossh_session_spec *spec, gossh_channel **out,
                       gossh_error **err);

/* ------------------------------------------------------------------------ */
/* The SSH agent (paramiko's Agent, AgentKey, AgentRequestHandler)           */
/* ------------------------------------------------------------------------ */

/*
 * The agent functions connect to the agent at socket, or at SSH_AUTH_SOCK
 * when socket is NULL or "", for the one call: no handle to keep or free.
 * Errors: GOSSH_E_CONNECT when there is no agent (detail "reason":
 * "no_agent" when SSH_AUTH_SOCK is unset and no socket was given, "agent"
 * when the socket does not answer); GOSSH_E_PROTOCOL when the agent answers
 * nonsense.
 */

/*
 * gossh_agent_list — the agent's keys, in its order, as text released with
 * gossh_free(): one line per key, "type base64-blob comment\n" (the
 * comment, possibly empty, is the rest of the line; a newline in it
 * becomes a space). Each line is what gossh_key_from_public takes.
 * BLOCKS on the agent (at most 30 s). Returns 0; GOSSH_E_INVALID (NULL
 * out); the errors above.
 */
int gossh_agent_list(const char *socket, char **out, gossh_error **err);

/*
 * gossh_agent_sign — asks the agent to sign len bytes of data with the key
 * whose public blob is given (as gossh_agent_list or gossh_key_blob give
 * it). algorithm: NULL or "" the key's own ("ssh-rsa", SHA-1, for RSA),
 * "rsa-sha2-256" or "rsa-sha2-512" for RSA keys. *sig receives the
 * signature in its SSH wire form (string format, string blob: paramiko's
 * AgentKey.sign_ssh_data), *siglen its length; release it with
 * gossh_free(). BLOCKS until the agent answers (it may ask its user to
 * confirm; at most 5 minutes). Returns 0; GOSSH_E_INVALID (NULL sig or
 * siglen, an empty blob, an algorithm that does not fit the key);
 * GOSSH_E_KEY (the blob is not a public key, or the agent refused: it does
 * not hold the key, or its user declined); the errors above.
 */
int gossh_agent_sign(const char *socket, const void *blob, size_t bloblen, const void *data,
                     size_t len, const char *algorithm, void **sig, size_t *siglen,
                     gossh_error **err);

/*
 * gossh_agent_key — a gossh_key whose private half is in the agent: the key
 * whose public blob is given (as gossh_agent_list gives it), signing through
 * the agent at socket (NULL or "": SSH_AUTH_SOCK as the library saw it at
 * load; a binding passes its own). It authenticates as any private key
 * (gossh_options_add_key, gossh_client_auth_publickey) and signs with
 * gossh_key_sign, connecting to the agent for each signature; it cannot be
 * written out (gossh_key_write_private* give GOSSH_E_KEY). The agent is not
 * asked until a signature is needed: a key it does not hold fails then.
 * A certificate blob gives its key with the certificate attached. Does not
 * block. Returns 0 and *out (caller frees with gossh_key_free);
 * GOSSH_E_INVALID (NULL out, an empty blob); GOSSH_E_KEY (not a public key).
 */
int gossh_agent_key(const char *socket, const void *blob, size_t bloblen, gossh_key **out,
                    gossh_error **err);

/*
 * gossh_channel_request_forward_agent — asks the server to forward the
 * agent (the connection's agent_socket or SSH_AUTH_SOCK) on session
 * channel ch, before exec or shell (paramiko's AgentRequestHandler(chan),
 * OpenSSH's -A). The connection accepts the server's agent channels from
 * then on, registered once per connection. *accepted (may be NULL) is 1 if
 * the server agreed; a refusal (OpenSSH refuses a second request on one
 * connection, or AllowAgentForwarding no) or no local agent gives 0 and is
 * logged, not an error. BLOCKS at most timeout_ms (see "Timeouts").
 * Returns 0; GOSSH_E_TIMEOUT; GOSSH_E_CLOSED; GOSSH_E_BADHANDLE;
 * GOSSH_E_INVALID.
 */
int gossh_channel_request_forward_agent(gossh_channel *ch, int timeout_ms, int *accepted,
                                        gossh_error **err);

/* ------------------------------------------------------------------------ */
/* Session channels step by step (paramiko's Channel)                        */
/* ------------------------------------------------------------------------ */

/*
 * gossh_client_open_session — opens a "session" channel with no command yet
 * (paramiko's Transport.open_session). Follow with request_pty / set_env and
 * then exactly one of exec, shell or subsystem.
 * BLOCKS until the server answers, at most timeout_ms (see "Timeouts").
 * Returns 0 and *out (caller frees with gossh_channel_free), GOSSH_E_CHANNEL
 * (refused), GOSSH_E_TIMEOUT, GOSSH_E_NOT_CONNECTED, GOSSH_E_CLOSED.
 */
int gossh_client_open_session(gossh_client *c, int timeout_ms, gossh_channel **out,
                              gossh_error **err);

/*
 * gossh_channel_request_pty — asks for a pseudo-terminal (paramiko's
 * get_pty). term NULL means "vt100". Sizes in characters and pixels, each
 * in 0..65535 (a terminal size is an unsigned short on the server).
 * BLOCKS for the server's answer, at most timeout_ms (see "Timeouts"; on
 * timeout the channel is closed). Returns 0, GOSSH_E_INVALID (a size out of
 * range), GOSSH_E_CHANNEL (refused), GOSSH_E_TIMEOUT, GOSSH_E_CLOSED.
 */
int gossh_channel_request_pty(gossh_channel *ch, const char *term, int cols, int rows,
                              int width_pixels, int height_pixels, int timeout_ms,
                              gossh_error **err);

/*
 * gossh_channel_resize_pty — tells the server the terminal's new size
 * (window-change); each size in 0..65535, as for request_pty. Does not wait
 * for an answer. Returns 0, GOSSH_E_INVALID (a size out of range) or
 * GOSSH_E_CLOSED.
 */
int gossh_channel_resize_pty(gossh_channel *ch, int cols, int rows, int width_pixels,
                             int height_pixels, gossh_error **err);

/*
 * gossh_channel_set_env — sets one environment variable for the command or
 * shell to come (paramiko's set_environment_variable). The request asks no
 * reply (as paramiko and OpenSSH's ssh): a name the server does not accept is
 * dropped silently (logged at debug level). Does not block (timeout_ms is
 * not used). Returns 0, GOSSH_E_CLOSED for a closed channel.
 */
int gossh_channel_set_env(gossh_channel *ch, const char *name, const char *value,
                          int timeout_ms, gossh_error **err);

/*
 * gossh_channel_exec — runs command on a session channel (paramiko's
 * Channel.exec_command). BLOCKS as request_pty. Returns 0,
 * GOSSH_E_CHANNEL, GOSSH_E_TIMEOUT, GOSSH_E_CLOSED.
 */
int gossh_channel_exec(gossh_channel *ch, const char *command, int timeout_ms,
                       gossh_error **err);

/* gossh_channel_shell — starts the login shell (invoke_shell). As exec. */
int gossh_channel_shell(gossh_channel *ch, int timeout_ms, gossh_error **err);

/* gossh_channel_subsystem — starts a subsystem such as "sftp". As exec. */
int gossh_channel_subsystem(gossh_channel *ch, const char *name, int timeout_ms,
                            gossh_error **err);

/*
 * gossh_channel_signal — sends a signal by name without "SIG" ("TERM",
 * "INT", "KILL", ...) to the remote process. Does not wait; OpenSSH honours
 * it only for commands without a pty in recent versions. Returns 0 or
 * GOSSH_E_CLOSED.
 */
int gossh_channel_signal(gossh_channel *ch, const char *name, gossh_error **err);

/*
 * gossh_channel_set_combine_stderr — on != 0: stderr data that arrives from
 * now on is delivered on stdout (paramiko's set_combine_stderr). *previous
 * (may be NULL) receives the former setting. Does not block.
 */
int gossh_channel_set_combine_stderr(gossh_channel *ch, int on, int *previous,
                                     gossh_error **err);

/*
 * gossh_channel_fileno — a file descriptor that is readable exactly when a
 * read of stdout would not block (data, end of stream, or closed), for
 * select/poll/epoll and event loops. The library owns it: do not read it
 * or close it; it stays valid until gossh_channel_free (after
 * gossh_channel_close it stays readable). Does
 * not block. Returns 0 and *fd, or GOSSH_E_CLOSED, GOSSH_E_IO.
 */
int gossh_channel_fileno(gossh_channel *ch, int *fd, gossh_error **err);

/* ------------------------------------------------------------------------ */
/* Readiness events (for event loops)                                        */
/* ------------------------------------------------------------------------ */

/*
 * An event loop (Node, libuv, epoll) can drive any number of channels
 * without a thread per wait and without polling: it watches them and makes
 * only calls with timeout_ms 0; the library tells it, through one pipe per
 * process, when to call again.
 *
 * Records.  Each record is 8 bytes: the value of the watched handle
 * (`(uint64_t)(uintptr_t)ch` for a channel, `(uint64_t)(uintptr_t)c` for a
 * client watched with gossh_client_watch_forwards) as a uint64_t in the
 * machine's native byte order. The library writes whole records only, at
 * most 4096 bytes (PIPE_BUF) at a time, so a read whose buffer is a
 * multiple of 8 bytes returns whole records. Handle values are never
 * reused: a record for a handle the binding no longer knows (freed
 * meanwhile) is stale; ignore it.
 *
 * Arming.  Watching is edge-triggered with re-arming. A call on a watched
 * object that returns GOSSH_E_TIMEOUT (with timeout_ms 0, or when a longer
 * wait expires) arms it for what that call waited for:
 *   gossh_channel_read           data or the end of that stream;
 *   gossh_channel_read_any       data or the end of either stream;
 *   gossh_channel_exit_status    the exit status;
 *   gossh_channel_write          the chunk in flight going out (or failing);
 *   gossh_client_accept_forward  a forwarded connection, or the end of the
 *                                connection.
 * The first change of an armed kind (and the channel's close or the loss
 * of its connection) writes ONE record and disarms the object completely:
 * no further record is written for it until a call on it again returns
 * GOSSH_E_TIMEOUT. So after a record, make again every call you wait on
 * (read until GOSSH_E_TIMEOUT, the exit status if you want it, a pending
 * write): a record clears every interest, not only the one that fired.
 *
 * Why no wakeup is lost: the arming happens under the object's lock, in the
 * same step as the check that found nothing to do, and every change of the
 * object's state is made and published under that lock. A change comes
 * either before the check (the call finds it and does not time out) or
 * after the arming (and writes the record). Why the pipe cannot flood:
 * every record is paid for by one call of yours that found nothing to do,
 * so you set the pace. Several records for one object are pending at once
 * only if you armed it again after the first was written (a read and a
 * write in one wakeup, each finding nothing, then both kinds of change): at
 * most one per arming call; treat them as one. Records that do not fit the
 * pipe wait in the library, in order, at most one per object (a second
 * one would only repeat the first, which is delivered after the change),
 * until the reader makes room: writing one never blocks the library and
 * no wakeup is ever lost.
 *
 * Output of a bulk stream is announced in batches: data that came in a
 * full-sized SSH packet (16 KiB or more; servers send a bulk stream in
 * packets of the 32 KiB maximum) has its record written once 512 KiB wait
 * in the stream, or 0.5 ms after the first unannounced byte arrived,
 * whichever comes first (a record per packet would cost you a wakeup and
 * two calls per 32 KiB). Data that came in a shorter packet (a reply, a
 * line, the tail of a transfer) is announced at once, with whatever waited.
 * So a burst's last bytes are never delayed, and bulk output at most 0.5
 * ms. Everything else is written at once: the end of a stream, the exit
 * status, a write's progress, a close, a forwarded connection. Blocking
 * calls and gossh_channel_fileno are never delayed.
 *
 * Watching costs nothing while disarmed; unwatched objects cost nothing at
 * all. Blocking calls on watched objects work as before (they may leave a
 * record behind: treat every record as "may have changed", never as "is
 * ready"). gossh_channel_fileno is separate and unchanged: one descriptor
 * per channel, level-triggered, for select().
 *
 * Example (C, one channel; error handling left out):
 *
 *   int efd;
 *   gossh_events_fd(&efd, NULL);
 *   gossh_channel_watch(ch, NULL);
 *   for (;;) {
 *       size_t n;
 *       int rc;
 *       while ((rc = gossh_channel_read(ch, GOSSH_STREAM_STDOUT, buf, sizeof buf,
 *                                       0, &n, NULL)) == 0 && n > 0)
 *           consume(buf, n);
 *       if (rc != GOSSH_E_TIMEOUT)
 *           break;                           // the end (0 with n == 0), or an error
 *       struct pollfd p = {efd, POLLIN, 0};
 *       poll(&p, 1, -1);
 *       uint64_t recs[64];
 *       read(efd, recs, sizeof recs);        // which handles may have changed
 *   }
 */

/*
 * gossh_events_fd — the read end of the process's readiness pipe, made on
 * first use, in *fd. It is non-blocking and close-on-exec. The library owns
 * it and never closes it while loaded: do not close it; read it (one reader
 * per process) and wait on it with poll/epoll or an event loop. Every call
 * returns the same descriptor. Does not block. Thread-safe.
 * Returns 0, GOSSH_E_INVALID (fd NULL), GOSSH_E_IO (no pipe could be made).
 */
int gossh_events_fd(int *fd, gossh_error **err);

/*
 * gossh_channel_watch — makes the channel write records (its handle value)
 * to the readiness pipe as its calls that return GOSSH_E_TIMEOUT arm it
 * (see "Readiness events"). Writes no record itself: drain the channel once
 * after watching it. Watching again is a no-op; the watch ends with
 * gossh_channel_free (a closed channel stays watched: its close writes a
 * record if armed). Makes the pipe if needed. Does not block. Thread-safe.
 * Returns 0, GOSSH_E_INVALID (NULL), GOSSH_E_BADHANDLE, GOSSH_E_IO (no pipe
 * could be made).
 */
int gossh_channel_watch(gossh_channel *ch, gossh_error **err);

/*
 * gossh_client_watch_forwards — makes the client write records (its handle
 * value) to the readiness pipe when a gossh_client_accept_forward that
 * returned GOSSH_E_TIMEOUT may now succeed: a forwarded connection arrived,
 * or the connection ended (the next accept returns GOSSH_E_CLOSED). Same
 * rules as gossh_channel_watch; the watch lasts as long as the client
 * handle. Does not block. Thread-safe. Returns 0, GOSSH_E_INVALID (NULL),
 * GOSSH_E_BADHANDLE, GOSSH_E_IO.
 */
int gossh_client_watch_forwards(gossh_client *c, gossh_error **err);

/*
 * Opening in the background.  gossh_client_connect, gossh_client_connect_via,
 * gossh_client_start and gossh_client_open_direct_tcpip block a thread
 * until the server answers. An event loop that runs many of them at once
 * (Node: four pool threads, so a hundred concurrent execs took 25 round
 * trips in a row) starts them with the _pending variants instead: the same
 * checks and the same call, run by the library in the background. The call
 * returns at once with a gossh_pending; when the call has finished
 * (connected or opened, refused, timed out, or ended by a close of the
 * client), the library writes the pending's handle value to the readiness
 * pipe, once, and gossh_pending_take hands over the channel (none for a
 * connect) or the call's error. Callbacks a connect makes (host-key policy,
 * keyboard-interactive, log) are made from a library thread, as they are
 * from the thread of a blocking connect.
 *
 *   gossh_pending *p;
 *   gossh_client_start_pending(c, spec, &p, NULL);   // spec may be freed now
 *   ... the pipe says p ...
 *   int done;
 *   gossh_channel *ch;
 *   rc = gossh_pending_take(p, &done, &ch, &err);    // done 1: as gossh_client_start
 *   gossh_pending_free(p);
 */

/*
 * gossh_client_connect_pending, gossh_client_connect_fd_pending,
 * gossh_client_connect_via_pending — gossh_client_connect,
 * gossh_client_connect_fd and gossh_client_connect_via in the background
 * (see "Opening in the background"). The options are copied: free them when
 * this returns. connect_fd_pending duplicates fd before it returns: the
 * caller may close fd then, whatever it returns. Does not block. Returns 0
 * and *out (caller frees with gossh_pending_free); GOSSH_E_INVALID (NULL
 * out, opts or via, c as its own via, a negative fd), GOSSH_E_BADHANDLE,
 * GOSSH_E_IO (no readiness pipe; fd cannot be duplicated). The connect's
 * own result (0, or what the blocking call returns) comes from
 * gossh_pending_take, with *out NULL.
 */
int gossh_client_connect_pending(gossh_client *c, const gossh_options *opts, gossh_pending **out,
                                 gossh_error **err);
int gossh_client_connect_fd_pending(gossh_client *c, int fd, const gossh_options *opts,
                                    gossh_pending **out, gossh_error **err);
int gossh_client_connect_via_pending(gossh_client *c, gossh_client *via, const gossh_options *opts,
                                     gossh_pending **out, gossh_error **err);

/*
 * gossh_client_start_pending — gossh_client_start in the background (see
 * "Opening in the background"). The spec is copied: free it when this
 * returns. Does not block. Returns 0 and *out (caller frees with
 * gossh_pending_free); GOSSH_E_INVALID (NULL out or spec), GOSSH_E_BADHANDLE,
 * GOSSH_E_IO (no readiness pipe could be made). Everything else the open
 * can fail with comes from gossh_pending_take.
 */
int gossh_client_start_pending(gossh_client *c, const gossh_session_spec *spec,
                               gossh_pending **out, gossh_error **err);

/*
 * gossh_client_open_direct_tcpip_pending — gossh_client_open_direct_tcpip in
 * the background (see "Opening in the background"), with its arguments
 * (timeout_ms by the rule of "Timeouts", checked here). Does not block.
 * Returns 0 and *out (caller frees with gossh_pending_free);
 * GOSSH_E_INVALID (NULL out or dest_host, timeout_ms < -1),
 * GOSSH_E_BADHANDLE, GOSSH_E_IO.
 */
int gossh_client_open_direct_tcpip_pending(gossh_client *c, const char *dest_host, int dest_port,
                                           const char *src_host, int src_port, int timeout_ms,
                                           gossh_pending **out, gossh_error **err);

/*
 * gossh_pending_take — the result of a background call. While it runs:
 * returns 0 with *done 0 and *out NULL (its record has not been written
 * yet). Once it has finished: *done 1, and 0 and *out (caller frees with
 * gossh_channel_free; NULL for a connect), or the error the blocking call
 * would have returned (GOSSH_E_TIMEOUT included: a call that timed out).
 * GOSSH_E_INVALID for NULL done or out, and (with *done 1) for a second
 * take. Does not block. Thread-safe.
 */
int gossh_pending_take(gossh_pending *p, int *done, gossh_channel **out, gossh_error **err);

/*
 * gossh_pending_free — releases a pending. If its open is still running,
 * it runs on and the channel it opens is closed; a channel it opened that
 * was not taken is closed. A call that writes into the caller's memory (the
 * twins of "SFTP in the background") is waited for instead: this blocks
 * until it has returned. No record is written after this. NULL and repeats
 * are no-ops.
 */
void gossh_pending_free(gossh_pending *p);

/* ------------------------------------------------------------------------ */
/* Transport (paramiko's Transport)                                          */
/* ------------------------------------------------------------------------ */

/*
 * gossh_client_info — one fact about the live connection by name, in *out
 * (caller frees with gossh_free): "peer_host", "peer_port", "username",
 * "server_version", "client_version", "banner" (the server's userauth
 * banner, "" if none), "server_key" ("type base64"), "kex",
 * "host_key_algorithm", "cipher_out", "cipher_in", "mac_out", "mac_in"
 * (the MAC is "" for AEAD ciphers). Between a "step_auth" connect and
 * its authentication only "server_key" is known (the others are "").
 * Does not block. Returns 0,
 * GOSSH_E_INVALID (unknown name), GOSSH_E_NOT_CONNECTED, GOSSH_E_CLOSED.
 */
int gossh_client_info(gossh_client *c, const char *name, char **out, gossh_error **err);

/*
 * gossh_client_set_keepalive — sends keepalive@openssh.com every interval_ms
 * (0 turns it off). After three intervals in a row without an answer the
 * peer is taken for dead and the client is closed: calls blocked on it
 * return GOSSH_E_CLOSED. Does not block. Returns 0, GOSSH_E_INVALID (a
 * negative interval_ms), GOSSH_E_NOT_CONNECTED, GOSSH_E_CLOSED.
 */
int gossh_client_set_keepalive(gossh_client *c, int interval_ms, gossh_error **err);

/*
 * gossh_client_send_ignore — sends a message the server discards (keeps NAT
 * state alive). Does not block long. Returns 0 or GOSSH_E_CLOSED.
 */
int gossh_client_send_ignore(gossh_client *c, gossh_error **err);

/*
 * gossh_client_open_direct_tcpip — asks the server to connect to
 * dest_host:dest_port for us (paramiko's open_channel("direct-tcpip", ...)).
 * src_host may be NULL ("127.0.0.1"). dest_port must be in 1..65535 and
 * src_port in 0..65535. The channel's stdout is the data from
 * the destination; write to send. BLOCKS as gossh_client_open_session.
 * Returns 0 and *out, GOSSH_E_INVALID (a port out of range),
 * GOSSH_E_CHANNEL (refused or unreachable), GOSSH_E_TIMEOUT,
 * GOSSH_E_NOT_CONNECTED, GOSSH_E_CLOSED.
 */
int gossh_client_open_direct_tcpip(gossh_client *c, const char *dest_host, int dest_port,
                                   const char *src_host, int src_port, int timeout_ms,
                                   gossh_channel **out, gossh_error **err);

/*
 * gossh_client_request_port_forward — asks the server to listen on
 * address:port (address NULL or "" means "localhost"; port 0 lets the server
 * choose; otherwise 1..65535) and forward each connection to us (remote
 * forwarding). *bound_port (may be NULL) receives the port bound. Take
 * connections with gossh_client_accept_forward. BLOCKS for the server's
 * answer. Returns 0, GOSSH_E_INVALID (port not in 0..65535),
 * GOSSH_E_CHANNEL (refused), GOSSH_E_NOT_CONNECTED, GOSSH_E_CLOSED.
 */
int gossh_client_request_port_forward(gossh_client *c, const char *address, int port,
                                      int *bound_port, gossh_error **err);

/*
 * gossh_client_accept_forward — the next connection forwarded by the server
 * (from any forwarding), as a channel whose info "origin" and "dest" say who
 * connected where. BLOCKS at most timeout_ms (see "Timeouts").
 * At most 64 connections wait; more are refused. Returns 0 and *out,
 * GOSSH_E_TIMEOUT (arms a client watched with
 * gossh_client_watch_forwards), GOSSH_E_CLOSED, GOSSH_E_NOT_CONNECTED.
 */
int gossh_client_accept_forward(gossh_client *c, int timeout_ms, gossh_channel **out,
                                gossh_error **err);

/*
 * gossh_client_cancel_port_forward — stops a forwarding made with
 * request_port_forward (address and the bound port). GOSSH_E_INVALID if
 * there is no such forwarding or port is not in 0..65535.
 */
int gossh_client_cancel_port_forward(gossh_client *c, const char *address, int port,
                                     gossh_error **err);

/* ------------------------------------------------------------------------ */
/* SFTP (paramiko's SFTPClient)                                              */
/* ------------------------------------------------------------------------ */

/*
 * An SFTP session runs on a client's connection ("sftp" subsystem, protocol
 * version 3 as OpenSSH speaks it). Remote paths are UTF-8 strings as the
 * server takes them: relative paths are relative to the server's start
 * directory (paramiko's chdir is a binding-side prefix, as in paramiko).
 *
 * Packet sizes come from the server: gossh reads OpenSSH's
 * limits@openssh.com (read and write length) when offered, else uses
 * 32 KiB, and never sends or asks for more. Every whole-file transfer
 * checks the size it moved against the size it expected: a short transfer
 * is an error, never a success.
 *
 * Errors.  A failed SFTP request returns GOSSH_E_SFTP with details:
 *   "status"       the SSH_FX_* status number in decimal ("2");
 *   "status_name"  its name ("no_such_file", "permission_denied",
 *                  "failure", "bad_message", "op_unsupported", "eof", ...);
 *   "errno_name"   the POSIX errno a local call would have given, where one
 *                  fits: "ENOENT" (no such file), "EACCES" (permission
 *                  denied), "EEXIST", "ENOTDIR", "EISDIR", "ENOTEMPTY",
 *                  "ENOSPC", "EOPNOTSUPP", "EIO", or "" when none fits.
 *                  Protocol version 3 (OpenSSH) reports most failures,
 *                  an existing file, a non-empty directory and a full
 *                  disk included, as plain "failure": errno_name is ""
 *                  then. gossh sets "EISDIR", "ENOTDIR" and "EEXIST"
 *                  itself where it checked the cause (get of a
 *                  directory, makedirs, copy of a directory), and
 *                  "ENOSPC" (message "no space left on device", status
 *                  still "failure") when a put, a write, a flush, a
 *                  close or an fsync failed with "failure" and
 *                  statvfs@openssh.com then shows less room on the
 *                  target's file system than the write needed, or none;
 *   "path"         the remote path of the request ("" for handle calls
 *                  without a known path), and "path2" for two-path calls
 *                  (rename, symlink, hardlink, copy);
 *   "message"      the server's message text.
 * A local file that cannot be read or written gives GOSSH_E_IO with
 * "path" and "errno_name". A lost connection gives GOSSH_E_CLOSED, a
 * cancelled transfer GOSSH_E_CANCELLED.
 *
 * Blocking.  Every call that talks to the server blocks and takes
 * timeout_ms by the one rule (see "Timeouts"); a call that times out
 * abandons its request (a late answer is dropped; a directory batch or
 * read-ahead that arrives late is kept for the next call). timeout_ms 0
 * fails at once with GOSSH_E_TIMEOUT for every call that needs the
 * server's answer (gossh_sftp_file_read returns data already read ahead). Closing the sftp
 * handle, or its client, from another thread ends its in-flight calls
 * with GOSSH_E_CLOSED. Handles are safe to use from several threads;
 * calls on one file are serialised.
 */

/* Which fields of gossh_sftp_attrs are set (SSH_FILEXFER_ATTR_* values). */
#define GOSSH_SFTP_ATTR_SIZE 0x1
#define GOSSH_SFTP_ATTR_UIDGID 0x2
#define GOSSH_SFTP_ATTR_PERMISSIONS 0x4
#define GOSSH_SFTP_ATTR_ACMODTIME 0x8

/*
 * gossh_sftp_attrs — a file's attributes (paramiko's SFTPAttributes).
 * Output of the stat calls; input of the setstat calls, where flags says
 * which fields to change. mode holds the file type bits as well as the
 * permissions (S_IFREG | 0644), as stat(2). Times are seconds since the
 * epoch. A plain struct: its layout is fixed for this major version.
 */
typedef struct gossh_sftp_attrs {
    uint32_t flags; /* GOSSH_SFTP_ATTR_* bits that are valid */
    uint32_t mode;  /* type and permission bits */
    uint64_t size;
    uint32_t uid;
    uint32_t gid;
    int64_t atime;
    int64_t mtime;
} gossh_sftp_attrs;

/*
 * gossh_sftp_entry — one directory entry: its name (no directory part),
 * the server's "ls -l" line (longname; "" if the server sent none) and its
 * attributes. name and longname belong to the caller: release them with
 * gossh_free (gossh_sftp_entries_free does it for an array).
 */
typedef struct gossh_sftp_entry {
    char *name;
    char *longname;
    gossh_sftp_attrs attrs;
} gossh_sftp_entry;

/*
 * gossh_sftp_statvfs_t — a file system's statistics
 * (statvfs@openssh.com), as statvfs(3).
 */
typedef struct gossh_sftp_statvfs_t {
    uint64_t bsize, frsize, blocks, bfree, bavail, files, ffree, favail, fsid, flag,
        namemax;
} gossh_sftp_statvfs_t;

/*
 * gossh_client_open_sftp — starts an SFTP session on the client's
 * connection (paramiko's open_sftp). BLOCKS for the channel, the subsystem
 * request and the version exchange, at most timeout_ms ("-1": the
 * client's channel_timeout, as for opening channels). Returns 0 and *out
 * (caller frees with gossh_sftp_free), GOSSH_E_CHANNEL (the server refused
 * the subsystem), GOSSH_E_PROTOCOL (the server does not speak SFTP v3),
 * GOSSH_E_TIMEOUT, GOSSH_E_NOT_CONNECTED, GOSSH_E_CLOSED.
 */
int gossh_client_open_sftp(gossh_client *c, int timeout_ms, gossh_sftp **out, gossh_error **err);

/*
 * gossh_sftp_set — sets one tuning value by name (text form, as
 * gossh_options_set):
 *   "transfer_channels"  SFTP channels a whole-file get/put of 8 MiB or
 *                        more splits over (1..16; default 4)
 *   "max_inflight"       requests in flight per channel during get/put and
 *                        sequential file reads/writes (1..1024; default 80),
 *                        but never more than 2.5 MiB per channel for get/put
 *                        nor 4 MiB for a file's reads/writes (a channel's
 *                        window is 2 MiB: more buys nothing, and a get holds
 *                        a buffer for every byte in flight)
 * Values apply to the transfers and files started afterwards. Unknown
 * names and bad values: GOSSH_E_INVALID. Does not block.
 */
int gossh_sftp_set(gossh_sftp *s, const char *name, const char *value, gossh_error **err);

/*
 * gossh_sftp_info — one fact by name, in *out (caller frees with
 * gossh_free): "version" (the protocol version, "3"), "extensions"
 * (the server's extensions as "name=data" lines, e.g.
 * "limits@openssh.com=1"), "max_read" and "max_write" (the packet payload
 * sizes in use, decimal; pkg/sftp v1 uses one size for both, the smaller of
 * the server's two limits, so they are equal), "home" (the user's home directory, by
 * home-directory or expand-path "~", or realpath "." when neither is
 * offered; BLOCKS then, timeout: channel_timeout). GOSSH_E_INVALID for an
 * unknown name.
 */
int gossh_sftp_info(gossh_sftp *s, const char *name, char **out, gossh_error **err);

/*
 * gossh_sftp_close — ends the session: its open files and directories are
 * closed (their later calls return GOSSH_E_CLOSED), in-flight calls end
 * with GOSSH_E_CLOSED, the channels close. The client stays connected.
 * Safe to call twice and from any thread.
 */
int gossh_sftp_close(gossh_sftp *s, gossh_error **err);

/* gossh_sftp_free — closes and releases. NULL and repeats are no-ops. */
void gossh_sftp_free(gossh_sftp *s);

/* Path operations. Each BLOCKS for the server's answer (see "Blocking"). */

/* gossh_sftp_stat / _lstat — a path's attributes (lstat: of a symlink itself). */
int gossh_sftp_stat(gossh_sftp *s, const char *path, int timeout_ms, gossh_sftp_attrs *out,
                    gossh_error **err);
int gossh_sftp_lstat(gossh_sftp *s, const char *path, int timeout_ms, gossh_sftp_attrs *out,
                     gossh_error **err);

/*
 * gossh_sftp_setstat — changes the attributes that attrs->flags names:
 * permissions (chmod: only the permission bits of mode are sent), uid and
 * gid (chown), atime and mtime (utime), size (truncate).
 */
int gossh_sftp_setstat(gossh_sftp *s, const char *path, const gossh_sftp_attrs *attrs,
                       int timeout_ms, gossh_error **err);

/* gossh_sftp_mkdir — makes a directory with permission bits mode (e.g. 0777). */
int gossh_sftp_mkdir(gossh_sftp *s, const char *path, uint32_t mode, int timeout_ms,
                     gossh_error **err);

/*
 * gossh_sftp_makedirs — makes path and every missing parent, each with
 * mode; an existing directory is no error (os.makedirs(exist_ok=True)). An
 * existing non-directory on the way: GOSSH_E_SFTP with errno_name
 * "ENOTDIR" or "EEXIST".
 */
int gossh_sftp_makedirs(gossh_sftp *s, const char *path, uint32_t mode, int timeout_ms,
                        gossh_error **err);

/* gossh_sftp_rmdir — removes an empty directory. */
int gossh_sftp_rmdir(gossh_sftp *s, const char *path, int timeout_ms, gossh_error **err);

/* gossh_sftp_remove — removes a file or symlink (paramiko's remove/unlink). */
int gossh_sftp_remove(gossh_sftp *s, const char *path, int timeout_ms, gossh_error **err);

/*
 * gossh_sftp_rmtree — removes path and everything below it, never following
 * a symlink (a symlink is removed, not its target). A path that does not
 * exist: GOSSH_E_SFTP with errno_name "ENOENT".
 */
int gossh_sftp_rmtree(gossh_sftp *s, const char *path, int timeout_ms, gossh_error **err);

/*
 * gossh_sftp_rename — renames oldpath to newpath. flags 0: SFTP v3 rename,
 * which fails if newpath exists (paramiko's rename);
 * GOSSH_SFTP_RENAME_POSIX: posix-rename@openssh.com, which replaces it
 * (paramiko's posix_rename; GOSSH_E_SFTP "op_unsupported" when the server
 * lacks it).
 */
#define GOSSH_SFTP_RENAME_POSIX 1
int gossh_sftp_rename(gossh_sftp *s, const char *oldpath, const char *newpath, int flags,
                      int timeout_ms, gossh_error **err);

/* gossh_sftp_symlink — makes linkpath a symlink to target (paramiko's
 * symlink(source=target, dest=linkpath); gossh sends OpenSSH's argument
 * order). */
int gossh_sftp_symlink(gossh_sftp *s, const char *target, const char *linkpath, int timeout_ms,
                       gossh_error **err);

/* gossh_sftp_hardlink — hardlink@openssh.com: makes newpath a hard link to oldpath. */
int gossh_sftp_hardlink(gossh_sftp *s, const char *oldpath, const char *newpath,
                        int timeout_ms, gossh_error **err);

/* gossh_sftp_readlink — a symlink's target in *out (gossh_free). */
int gossh_sftp_readlink(gossh_sftp *s, const char *path, int timeout_ms, char **out,
                        gossh_error **err);

/* gossh_sftp_realpath — the server's canonical absolute path in *out
 * (gossh_free); "." gives the start directory (paramiko's normalize). */
int gossh_sftp_realpath(gossh_sftp *s, const char *path, int timeout_ms, char **out,
                        gossh_error **err);

/* gossh_sftp_statvfs — statvfs@openssh.com for the file system holding path. */
int gossh_sftp_statvfs(gossh_sftp *s, const char *path, int timeout_ms,
                       gossh_sftp_statvfs_t *out, gossh_error **err);

/*
 * gossh_sftp_copy — copies a remote file to another remote path on the
 * server itself (copy-data extension: no data crosses the network), made
 * with the source's permission bits; GOSSH_E_SFTP "op_unsupported" when
 * the server lacks copy-data (OpenSSH 9.0+ offers it).
 */
int gossh_sftp_copy(gossh_sftp *s, const char *src, const char *dst, int timeout_ms,
                    gossh_error **err);

/*
 * gossh_sftp_glob — the remote paths that match pattern (shell wildcards
 * *, ? and [...] in any path component, not matching a leading "." unless
 * the pattern's component starts with "."), as a directory handle whose
 * entries carry the whole matching path as name and its lstat attributes
 * (longname ""), sorted. A bad pattern ("[" unclosed) is GOSSH_E_INVALID.
 * BLOCKS while it walks the directories the pattern needs.
 */
int gossh_sftp_glob(gossh_sftp *s, const char *pattern, int timeout_ms, gossh_sftp_dir **out,
                    gossh_error **err);

/* Directories: read in batches, so that a binding makes one call per batch. */

/* gossh_sftp_opendir — opens a directory for reading. Caller frees *out with
 * gossh_sftp_dir_free. */
int gossh_sftp_opendir(gossh_sftp *s, const char *path, int timeout_ms, gossh_sftp_dir **out,
                       gossh_error **err);

/*
 * gossh_sftp_dir_read — fills entries[0..cap) with the next entries ("."
 * and ".." left out) and stores their number in *n. BLOCKS until at least
 * one entry is there or the directory ends. *n == 0 with return 0 is the
 * end. The names in the entries belong to the caller
 * (gossh_sftp_entries_free).
 */
int gossh_sftp_dir_read(gossh_sftp_dir *d, gossh_sftp_entry *entries, size_t cap,
                        int timeout_ms, size_t *n, gossh_error **err);

/* gossh_sftp_entries_free — gossh_free on the names of n entries, and zeroes them
 * (n is capped at 1048576, more than one gossh_sftp_dir_read ever fills). */
void gossh_sftp_entries_free(gossh_sftp_entry *entries, size_t n);

/* gossh_sftp_dir_free — releases; the directory is closed on the server
 * from a library thread (a free never blocks). NULL and repeats are
 * no-ops. */
void gossh_sftp_dir_free(gossh_sftp_dir *d);

/* Files. flags are SSH_FXF_* values, combined with |. */
#define GOSSH_SFTP_READ 0x01
#define GOSSH_SFTP_WRITE 0x02
#define GOSSH_SFTP_APPEND 0x04
#define GOSSH_SFTP_CREAT 0x08
#define GOSSH_SFTP_TRUNC 0x10
#define GOSSH_SFTP_EXCL 0x20

/*
 * gossh_sftp_open — opens a remote file. flags: GOSSH_SFTP_* (at least one
 * of READ and WRITE; other bits: GOSSH_E_INVALID); mode: permission bits
 * for a file it creates (e.g. 0666), less the server's umask: pkg/sftp v1
 * sends OPEN without attributes, so the server makes the file 0666 less
 * its umask, and gossh then sets mode less the same bits. The file's
 * offset starts at 0 (at the end with APPEND). Caller frees *out with
 * gossh_sftp_file_free.
 */
int gossh_sftp_open(gossh_sftp *s, const char *path, int flags, uint32_t mode, int timeout_ms,
                    gossh_sftp_file **out, gossh_error **err);

/*
 * gossh_sftp_file_read — reads up to cap bytes at the file's offset and
 * advances it; *nread == 0 with return 0 is the end of the file.
 * Sequential reads read ahead (up to max_inflight requests of max_read
 * bytes, at most 4 MiB per channel), and past 8 MiB of sequential reading
 * over "transfer_channels" channels as get does, so a loop of small reads
 * runs at a good part of the speed of gossh_sftp_get; a seek or a write
 * drops the read-ahead. A connection
 * lost meanwhile is an error (GOSSH_E_CLOSED), never a short end: an end
 * of data is confirmed against the file's size (a file that grew
 * meanwhile is read on).
 */
int gossh_sftp_file_read(gossh_sftp_file *f, void *buf, size_t cap, int timeout_ms,
                         size_t *nread, gossh_error **err);

/*
 * gossh_sftp_file_write — writes len bytes at the file's offset (at the end
 * for APPEND) and advances it. *written (may be NULL) receives how many were
 * accepted. Writes are pipelined (paramiko's set_pipelined(True) is always
 * on): a write returns when its requests are sent, and a request the server
 * fails is reported by a later write, gossh_sftp_file_flush or
 * gossh_sftp_file_close — never lost. A timeout reports in *written how much
 * was accepted; the rest was not sent.
 */
int gossh_sftp_file_write(gossh_sftp_file *f, const void *buf, size_t len, int timeout_ms,
                          size_t *written, gossh_error **err);

/* gossh_sftp_file_pread / _pwrite — read or write at offset, without
 * moving the file's offset. pwrite waits for the server's answers. */
int gossh_sftp_file_pread(gossh_sftp_file *f, void *buf, size_t cap, uint64_t offset,
                          int timeout_ms, size_t *nread, gossh_error **err);
int gossh_sftp_file_pwrite(gossh_sftp_file *f, const void *buf, size_t len, uint64_t offset,
                           int timeout_ms, size_t *written, gossh_error **err);

/*
 * gossh_sftp_file_seek — moves the offset (whence 0 SEEK_SET, 1 SEEK_CUR,
 * 2 SEEK_END: asks the server for the size) and stores the new offset in
 * *pos (may be NULL). A negative result is GOSSH_E_INVALID. Tell is
 * seek(0, SEEK_CUR).
 */
int gossh_sftp_file_seek(gossh_sftp_file *f, int64_t offset, int whence, int timeout_ms,
                         uint64_t *pos, gossh_error **err);

/* gossh_sftp_file_flush — waits until every pipelined write is answered;
 * the first failure among them is returned. */
int gossh_sftp_file_flush(gossh_sftp_file *f, int timeout_ms, gossh_error **err);

/* gossh_sftp_file_stat / _setstat — fstat of an open file (after flushing),
 * and setstat of the path it was opened with (after flushing; one SETSTAT:
 * pkg/sftp v1 cannot send FSETSTAT with times). */
int gossh_sftp_file_stat(gossh_sftp_file *f, int timeout_ms, gossh_sftp_attrs *out,
                         gossh_error **err);
int gossh_sftp_file_setstat(gossh_sftp_file *f, const gossh_sftp_attrs *attrs, int timeout_ms,
                            gossh_error **err);

/* gossh_sftp_file_sync — fsync@openssh.com (after flushing). */
int gossh_sftp_file_sync(gossh_sftp_file *f, int timeout_ms, gossh_error **err);

/*
 * gossh_sftp_file_check — a hash of the file's bytes [offset, offset+length)
 * (length 0: to the end) by the check-file extension (check-file-name on
 * the path the file was opened with), in hex in *out (gossh_free);
 * algorithm e.g. "sha256". GOSSH_E_SFTP "op_unsupported" when the server
 * lacks it (OpenSSH does).
 */
int gossh_sftp_file_check(gossh_sftp_file *f, const char *algorithm, uint64_t offset,
                          uint64_t length, int timeout_ms, char **out, gossh_error **err);

/*
 * gossh_sftp_file_close — flushes, then closes the remote handle. Returns
 * the first failure of a pipelined write, or of the close itself: a file
 * whose data did not all arrive never closes with 0. A second close
 * returns 0. BLOCKS for the server's answers, at most timeout_ms (see
 * "Timeouts"); when that passes the file is closed all the same (the
 * remote close goes on in the background) and the call returns
 * GOSSH_E_TIMEOUT: the data may not all have arrived.
 */
int gossh_sftp_file_close(gossh_sftp_file *f, int timeout_ms, gossh_error **err);

/* gossh_sftp_file_free — releases; the file is closed (flushed) on a
 * library thread, ignoring failures, so that a free never blocks on a
 * stalled server. Use gossh_sftp_file_close to learn whether the data
 * arrived. NULL and repeats are no-ops. */
void gossh_sftp_file_free(gossh_sftp_file *f);

/* Whole-file transfers. */

/*
 * gossh_progress_cb — reports a transfer's progress: bytes done so far
 * and the total expected (the file's size; for a directory tree the tree's
 * total). Called on the thread that called get/put (never from two threads
 * at once), first with the starting point (0, or where a resume starts),
 * then as chunks complete (at most 2 MiB apart), with done never
 * decreasing, and once more with done == total at the end of a successful
 * transfer. Return nonzero to go on; 0 cancels the transfer (it then fails
 * with GOSSH_E_CANCELLED), so a binding whose callback raised fails closed.
 */
typedef int (*gossh_progress_cb)(uint64_t done, uint64_t total, void *userdata);

/* Transfer flags. */
#define GOSSH_SFTP_RESUME 0x1   /* continue a partial destination from its size */
#define GOSSH_SFTP_PRESERVE 0x2 /* copy mode bits and times to the destination */
#define GOSSH_SFTP_NOVERIFY 0x4 /* skip the final stat of put (paramiko's confirm=False); sizes
                                   moved are still counted */

/*
 * gossh_sftp_get — copies remote file to local path. The data goes to a
 * temporary file beside local path ("<local>.gossh-part"), renamed over
 * local only when the whole size has arrived: a failed or cancelled get
 * leaves no file that looks complete (with GOSSH_SFTP_RESUME the partial
 * file is kept for a later resume, cut to the part that arrived in order;
 * resuming starts from its size, after checking that the remote file is at
 * least that long: GOSSH_E_PROTOCOL if not).
 * Large files are read over "transfer_channels" channels with
 * "max_inflight" requests each (at most 2.5 MiB per channel: a get's
 * memory is about 10 MiB of buffers for the default 4 channels, whatever
 * the file's size); the channels take chunks from one queue in file
 * order. The part file is not fsynced before the rename. *size (may be NULL) receives the bytes in
 * the local file. cb may be NULL. BLOCKS for at most timeout_ms in all.
 * Returns 0, GOSSH_E_SFTP, GOSSH_E_IO (local file), GOSSH_E_CANCELLED,
 * GOSSH_E_TIMEOUT, GOSSH_E_CLOSED, GOSSH_E_PROTOCOL (the server sent more
 * or less than the file's size).
 */
int gossh_sftp_get(gossh_sftp *s, const char *remote, const char *local, int flags,
                   gossh_progress_cb cb, void *userdata, int timeout_ms, uint64_t *size,
                   gossh_error **err);

/*
 * gossh_sftp_put — copies local file to remote path (created with the
 * local file's permission bits less the server's umask, as
 * gossh_sftp_open; or truncated), pipelined as get, then checks with a
 * stat that the remote size is the local size (unless
 * GOSSH_SFTP_NOVERIFY): a mismatch is GOSSH_E_PROTOCOL. A put that fails
 * while the session lives (a cancel, a refused write, a full disk:
 * GOSSH_E_SFTP with errno_name "ENOSPC") cuts the remote file, once every
 * channel's writes are answered, to the part that arrived in order, so it
 * never keeps holes nor is presented as complete.
 * With GOSSH_SFTP_RESUME it continues from the remote file's size less
 * 64 MiB (more than 16 channels x 2.5 MiB: what a put cut off by a lost
 * connection may have had in flight, so may have left as holes below its
 * size), and
 * writes the rest again; a remote file longer than the local one is
 * written anew.
 */
int gossh_sftp_put(gossh_sftp *s, const char *local, const char *remote, int flags,
                   gossh_progress_cb cb, void *userdata, int timeout_ms, uint64_t *size,
                   gossh_error **err);

/*
 * gossh_sftp_get_dir / _put_dir — mirror a directory tree (files,
 * directories, symlinks as links) from remote to local or back, making
 * directories as needed (a symlink at the destination is replaced; other
 * file types are skipped); progress counts bytes over the whole tree.
 * Flags as for files (RESUME applies per file). The remote (get_dir) or
 * local (put_dir) root must be a directory: GOSSH_E_SFTP "ENOTDIR" /
 * GOSSH_E_IO "ENOTDIR".
 */
int gossh_sftp_get_dir(gossh_sftp *s, const char *remote, const char *local, int flags,
                       gossh_progress_cb cb, void *userdata, int timeout_ms,
                       gossh_error **err);
int gossh_sftp_put_dir(gossh_sftp *s, const char *local, const char *remote, int flags,
                       gossh_progress_cb cb, void *userdata, int timeout_ms,
                       gossh_error **err);

/*
 * SFTP in the background.  Every SFTP call that waits on the server has a
 * _pending twin for an event loop (Node: four pool threads, so twenty
 * stat()s over a slow link took five round trips in a row): the same
 * arguments, then `gossh_pending **pending` before the error slot. The twin
 * returns at once; the library runs the blocking call (its checks
 * included) and writes the pending's handle value to the readiness pipe
 * when it has returned, and gossh_pending_take then returns what it
 * returned (its code and error; *out is always NULL). Strings and
 * gossh_sftp_attrs arguments are copied before the twin returns. Out-
 * parameters and data buffers (the out, n, nread, written, pos and size
 * pointers, a read's or write's buf, dir_read's entries) are the caller's
 * memory, written or read by the call as the blocking one does them: they
 * must stay valid until the record has come (gossh_pending_take says done)
 * or gossh_pending_free has returned, which waits for the call to return. A
 * progress callback is made from a library thread. The twin itself returns
 * 0 and *pending (caller frees with gossh_pending_free), or GOSSH_E_INVALID
 * (NULL pending) or GOSSH_E_IO (no readiness pipe).
 *
 *   gossh_sftp_attrs a;
 *   gossh_pending *p;
 *   gossh_sftp_stat_pending(s, path, -1, &a, &p, NULL);  // path may be freed now
 *   ... the pipe says p ...
 *   int done; gossh_channel *none;
 *   rc = gossh_pending_take(p, &done, &none, &err);      // done 1: rc as gossh_sftp_stat's, a filled
 *   gossh_pending_free(p);
 */
int gossh_client_open_sftp_pending(gossh_client *c, int timeout_ms, gossh_sftp **out,
                                   gossh_pending **pending, gossh_error **err);
int gossh_sftp_stat_pending(gossh_sftp *s, const char *path, int timeout_ms, gossh_sftp_attrs *out,
                            gossh_pending **pending, gossh_error **err);
int gossh_sftp_lstat_pending(gossh_sftp *s, const char *path, int timeout_ms, gossh_sftp_attrs *out,
                             gossh_pending **pending, gossh_error **err);
int gossh_sftp_setstat_pending(gossh_sftp *s, const char *path, const gossh_sftp_attrs *attrs,
                               int timeout_ms, gossh_pending **pending, gossh_error **err);
int gossh_sftp_mkdir_pending(gossh_sftp *s, const char *path, uint32_t mode, int timeout_ms,
                             gossh_pending **pending, gossh_error **err);
int gossh_sftp_makedirs_pending(gossh_sftp *s, const char *path, uint32_t mode, int timeout_ms,
                                gossh_pending **pending, gossh_error **err);
int gossh_sftp_rmdir_pending(gossh_sftp *s, const char *path, int timeout_ms,
                             gossh_pending **pending, gossh_error **err);
int gossh_sftp_remove_pending(gossh_sftp *s, const char *path, int timeout_ms,
                              gossh_pending **pending, gossh_error **err);
int gossh_sftp_rmtree_pending(gossh_sftp *s, const char *path, int timeout_ms,
                              gossh_pending **pending, gossh_error **err);
int gossh_sftp_rename_pending(gossh_sftp *s, const char *oldpath, const char *newpath, int flags,
                              int timeout_ms, gossh_pending **pending, gossh_error **err);
int gossh_sftp_symlink_pending(gossh_sftp *s, const char *target, const char *linkpath,
                               int timeout_ms, gossh_pending **pending, gossh_error **err);
int gossh_sftp_hardlink_pending(gossh_sftp *s, const char *oldpath, const char *newpath,
                                int timeout_ms, gossh_pending **pending, gossh_error **err);
int gossh_sftp_copy_pending(gossh_sftp *s, const char *src, const char *dst, int timeout_ms,
                            gossh_pending **pending, gossh_error **err);
int gossh_sftp_readlink_pending(gossh_sftp *s, const char *path, int timeout_ms, char **out,
                                gossh_pending **pending, gossh_error **err);
int gossh_sftp_realpath_pending(gossh_sftp *s, const char *path, int timeout_ms, char **out,
                                gossh_pending **pending, gossh_error **err);
int gossh_sftp_statvfs_pending(gossh_sftp *s, const char *path, int timeout_ms,
                               gossh_sftp_statvfs_t *out, gossh_pending **pending,
                               gossh_error **err);
int gossh_sftp_opendir_pending(gossh_sftp *s, const char *path, int timeout_ms,
                               gossh_sftp_dir **out, gossh_pending **pending, gossh_error **err);
int gossh_sftp_glob_pending(gossh_sftp *s, const char *pattern, int timeout_ms,
                            gossh_sftp_dir **out, gossh_pending **pending, gossh_error **err);
int gossh_sftp_dir_read_pending(gossh_sftp_dir *d, gossh_sftp_entry *entries, size_t cap,
                                int timeout_ms, size_t *n, gossh_pending **pending,
                                gossh_error **err);
int gossh_sftp_open_pending(gossh_sftp *s, const char *path, int flags, uint32_t mode,
                            int timeout_ms, gossh_sftp_file **out, gossh_pending **pending,
                            gossh_error **err);
int gossh_sftp_file_read_pending(gossh_sftp_file *f, void *buf, size_t cap, int timeout_ms,
                                 size_t *nread, gossh_pending **pending, gossh_error **err);
int gossh_sftp_file_pread_pending(gossh_sftp_file *f, void *buf, size_t cap, uint64_t offset,
                                  int timeout_ms, size_t *nread, gossh_pending **pending,
                                  gossh_error **err);
int gossh_sftp_file_write_pending(gossh_sftp_file *f, const void *buf, size_t len, int timeout_ms,
                                  size_t *written, gossh_pending **pending, gossh_error **err);
int gossh_sftp_file_pwrite_pending(gossh_sftp_file *f, const void *buf, size_t len, uint64_t offset,
                                   int timeout_ms, size_t *written, gossh_pending **pending,
                                   gossh_error **err);
int gossh_sftp_file_seek_pending(gossh_sftp_file *f, int64_t offset, int whence, int timeout_ms,
                                 uint64_t *pos, gossh_pending **pending, gossh_error **err);
int gossh_sftp_file_flush_pending(gossh_sftp_file *f, int timeout_ms, gossh_pending **pending,
                                  gossh_error **err);
int gossh_sftp_file_stat_pending(gossh_sftp_file *f, int timeout_ms, gossh_sftp_attrs *out,
                                 gossh_pending **pending, gossh_error **err);
int gossh_sftp_file_setstat_pending(gossh_sftp_file *f, const gossh_sftp_attrs *attrs,
                                    int timeout_ms, gossh_pending **pending, gossh_error **err);
int gossh_sftp_file_sync_pending(gossh_sftp_file *f, int timeout_ms, gossh_pending **pending,
                                 gossh_error **err);
int gossh_sftp_file_check_pending(gossh_sftp_file *f, const char *algorithm, uint64_t offset,
                                  uint64_t length, int timeout_ms, char **out,
                                  gossh_pending **pending, gossh_error **err);
int gossh_sftp_file_close_pending(gossh_sftp_file *f, int timeout_ms, gossh_pending **pending,
                                  gossh_error **err);
int gossh_sftp_get_pending(gossh_sftp *s, const char *remote, const char *local, int flags,
                           gossh_progress_cb cb, void *userdata, int timeout_ms, uint64_t *size,
                           gossh_pending **pending, gossh_error **err);
int gossh_sftp_put_pending(gossh_sftp *s, const char *local, const char *remote, int flags,
                           gossh_progress_cb cb, void *userdata, int timeout_ms, uint64_t *size,
                           gossh_pending **pending, gossh_error **err);
int gossh_sftp_get_dir_pending(gossh_sftp *s, const char *remote, const char *local, int flags,
                               gossh_progress_cb cb, void *userdata, int timeout_ms,
                               gossh_pending **pending, gossh_error **err);
int gossh_sftp_put_dir_pending(gossh_sftp *s, const char *local, const char *remote, int flags,
                               gossh_progress_cb cb, void *userdata, int timeout_ms,
                               gossh_pending **pending, gossh_error **err);

/* ------------------------------------------------------------------------ */
/* Fan-out: one command on many hosts                                        */
/* ------------------------------------------------------------------------ */

/*
 * A gossh_group runs one session spec (a command, a shell, a subsystem) on
 * many hosts at once (Fabric's ThreadingGroup, parallel-ssh's
 * ParallelSSHClient). Each host is a name (any text; duplicates are fine)
 * with its own gossh_options. At most pool_size hosts are worked on at a
 * time, by that many library threads pulling hosts from a queue: a group of
 * 10,000 hosts does not start 10,000 threads.
 *
 * Host keys: every host is checked against the group's one set of host
 * keys (loaded once, not once per host) under the group's one policy,
 * GOSSH_POLICY_REJECT unless set otherwise, exactly as a gossh_client
 * checks: an unknown host under the reject policy is that host's
 * GOSSH_E_HOSTKEY_UNKNOWN result, never accepted.
 *
 * A run: gossh_group_run starts and returns at once; gossh_group_next
 * hands out one gossh_group_result per host in the order the hosts finish.
 * A host's result carries its error (NULL when the session ran to its end
 * and its exit status arrived, whatever the status: a non-zero exit status
 * is not an error), its exit status and signal, its stdout and stderr, and
 * its timings. The error codes a host's result can carry:
 *   GOSSH_E_CONNECT          nothing listens, unreachable, not resolved
 *   GOSSH_E_TIMEOUT          a connect phase exceeded its limit (detail
 *                            "stage"), or the command exceeded
 *                            command_timeout_ms (detail "stage" "command")
 *   GOSSH_E_HOSTKEY_UNKNOWN, GOSSH_E_HOSTKEY_MISMATCH, GOSSH_E_AUTH,
 *   GOSSH_E_BADAUTHTYPE, GOSSH_E_PASSWORD_REQUIRED, GOSSH_E_PROTOCOL,
 *   GOSSH_E_CHANNEL, GOSSH_E_CLOSED
 *                            as for gossh_client_connect / _start
 *   GOSSH_E_CANCELLED        gossh_group_cancel ended the host (detail
 *                            "reason" "cancelled"), or stop_on_errors
 *                            stopped the run before the host was started
 *                            (detail "reason" "stopped")
 * Every such error has the detail "host": the host's name.
 *
 * Connections are kept after a run (unless keep_connections is off), so a
 * second gossh_group_run on the same group reuses them (the result's
 * "reused" is 1) and reconnects a host whose connection died. A cancelled
 * host's connection is not kept. gossh_group_close closes them all.
 *
 * Every function here is safe from any thread. Only gossh_group_next and
 * gossh_group_wait block, and gossh_group_close (it waits for the run's
 * threads to end, which a close makes prompt).
 */
typedef struct gossh_group gossh_group;
typedef struct gossh_group_result gossh_group_result;

/*
 * gossh_group_new — a new, empty group: pool_size 10, collect-all (no
 * stop_on_errors), no group timeouts, connections kept, output collected,
 * the reject policy and no host keys. Caller frees with gossh_group_free.
 * Returns 0, GOSSH_E_INVALID (NULL out).
 */
int gossh_group_new(gossh_group **out, gossh_error **err);

/*
 * gossh_group_set — sets one group option from its text form:
 *   "pool_size"           hosts worked on at once, >= 1 (default 10)
 *   "stop_on_errors"      "1": after a host's error no further host is
 *                         started; those not started get GOSSH_E_CANCELLED
 *                         results with reason "stopped" (default "0":
 *                         collect all)
 *   "connect_timeout_ms"  limit for each connect phase (TCP, server
 *                         banner, key exchange and authentication),
 *                         replacing a host's longer or absent timeout,
 *                         banner_timeout and auth_timeout; "0" (default):
 *                         each host's own options
 *   "command_timeout_ms"  limit for a session from its start to its exit
 *                         status; "0" (default): none. The output that
 *                         arrived before it expired is kept.
 *   "keep_connections"    "0": close each host's connection after its
 *                         session (default "1": keep for the next run)
 *   "collect_output"      "0": results carry no output, which reaches only
 *                         the output callback (default "1")
 * Booleans take 1/0, true/false, yes/no, on/off; value NULL is "".
 * Options take effect at the next gossh_group_run. Returns 0,
 * GOSSH_E_INVALID (unknown name, bad value), GOSSH_E_BADHANDLE.
 */
int gossh_group_set(gossh_group *g, const char *name, const char *value, gossh_error **err);

/*
 * gossh_group_set_policy — the built-in missing-host-key policy
 * (GOSSH_POLICY_*) for every host; replaces a callback set earlier.
 * gossh_group_set_policy_callback — a custom policy as for
 * gossh_client_set_policy_callback (cb NULL: back to reject). The callback
 * runs on the library's threads, several at once for different hosts; the
 * caller keeps userdata alive while the group may connect.
 * Both return 0, GOSSH_E_INVALID (unknown policy), GOSSH_E_BADHANDLE.
 */
int gossh_group_set_policy(gossh_group *g, int policy, gossh_error **err);
int gossh_group_set_policy_callback(gossh_group *g, gossh_hostkey_cb cb, void *userdata,
                                    gossh_error **err);

/*
 * gossh_group_load_host_keys — merges a known_hosts file into the group's
 * host keys and makes it the file GOSSH_POLICY_AUTOADD saves to (as
 * gossh_client_load_host_keys; a missing file is not an error).
 * gossh_group_load_system_host_keys — loads entries never saved (as
 * gossh_client_load_system_host_keys; path NULL or "" is
 * ~/.ssh/known_hosts).
 * gossh_group_share_host_keys — makes the group use from's host-key
 * stores, so that a client and a group see the same keys.
 * Each reads the file once for all hosts. Return 0, GOSSH_E_IO,
 * GOSSH_E_INVALID (NULL path where one is needed), GOSSH_E_BADHANDLE.
 */
int gossh_group_load_host_keys(gossh_group *g, const char *path, gossh_error **err);
int gossh_group_load_system_host_keys(gossh_group *g, const char *path, gossh_error **err);
int gossh_group_share_host_keys(gossh_group *g, const gossh_client *from, gossh_error **err);

/*
 * gossh_group_add_host — adds a host named name (any text, copied) that
 * connects with a snapshot of opts (later changes to opts do not apply;
 * opts may be freed at once). opts must name a hostname. If index is not
 * NULL it receives the host's index (0, 1, ... in the order of adding),
 * the index its results carry. Returns 0, GOSSH_E_INVALID (NULL name, no
 * hostname), GOSSH_E_CLOSED (group closed), GOSSH_E_BADHANDLE.
 */
int gossh_group_add_host(gossh_group *g, const char *name, const gossh_options *opts,
                         size_t *index, gossh_error **err);

/*
 * gossh_group_add_host_list — gossh_group_add_host in one call, for a
 * binding or program adding many hosts: the host's options are a snapshot
 * of base (NULL: those of a new gossh_options) with the n names[i] =
 * values[i] set on top, as gossh_options_set_list sets them (in order;
 * values[i] NULL is ""); base itself is not changed. Build what the hosts
 * share (keys, user, timeouts) once in base, and give each host its own
 * "hostname", "port"... in the list. Returns gossh_group_add_host's codes,
 * plus GOSSH_E_INVALID for a list gossh_options_set_list refuses (no host
 * is added) and GOSSH_E_BADHANDLE for a stale or wrong base.
 */
int gossh_group_add_host_list(gossh_group *g, const char *name, const gossh_options *base,
                              const char *const *names, const char *const *values, size_t n,
                              size_t *index, gossh_error **err);

/*
 * gossh_group_set_host_command — makes host index exec command instead of
 * what the run's spec starts (per-host arguments: format the command
 * yourself); the spec's pty, environment and timeout still apply. command
 * NULL removes the override. Takes effect at the next run. Returns 0,
 * GOSSH_E_INVALID (no such host), GOSSH_E_BADHANDLE.
 */
int gossh_group_set_host_command(gossh_group *g, size_t index, const char *command,
                                 gossh_error **err);

/*
 * gossh_group_result_cb — told as each host finishes: its index and name,
 * its result's code (0 or GOSSH_E_*) and exit status (-1 if none). It runs
 * on a library thread, several at once, before the result is queued for
 * gossh_group_next (which still hands it out); name is valid only during
 * the call. It must return promptly and must not call gossh_group_close
 * or _free on its own group.
 * gossh_group_output_cb — each chunk of a host's output as it arrives
 * (stream 0 stdout, 1 stderr): the streaming form for long commands. Runs
 * on the host's thread, several hosts' at once; data and name are valid
 * only during the call; the host's session waits while it runs.
 */
typedef void (*gossh_group_result_cb)(size_t index, const char *name, int code, int exit_status,
                                      void *userdata);
typedef void (*gossh_group_output_cb)(size_t index, const char *name, int stream,
                                      const uint8_t *data, size_t len, void *userdata);

/*
 * gossh_group_set_result_callback, gossh_group_set_output_callback —
 * install (cb NULL: remove) the callbacks above for the next runs. The
 * caller keeps userdata alive until the run has ended (gossh_group_wait)
 * or the group is closed. Return 0, GOSSH_E_BADHANDLE.
 */
int gossh_group_set_result_callback(gossh_group *g, gossh_group_result_cb cb, void *userdata,
                                    gossh_error **err);
int gossh_group_set_output_callback(gossh_group *g, gossh_group_output_cb cb, void *userdata,
                                    gossh_error **err);

/*
 * gossh_group_run — starts spec (see "Starting a session in one call") on
 * every host, or each host's own command, and returns at once without
 * blocking. The spec is copied. Results of an earlier run not yet taken
 * are dropped. Returns 0; GOSSH_E_INVALID: no hosts, a bad spec, or a run
 * still in progress (its results not all taken and not ended: take them,
 * or cancel and wait); GOSSH_E_CLOSED: group closed; GOSSH_E_BADHANDLE.
 */
int gossh_group_run(gossh_group *g, const gossh_session_spec *spec, gossh_error **err);

/* Directions of gossh_group_run_transfer. */
#define GOSSH_GROUP_PUT 1 /* the local file to every host */
#define GOSSH_GROUP_GET 2 /* every host's file to a local file of its own */

/*
 * gossh_group_run_transfer — starts an SFTP put or get (direction
 * GOSSH_GROUP_PUT or GOSSH_GROUP_GET) on every host instead of a session,
 * and returns at once without blocking, as gossh_group_run. In local and
 * remote, "%h" is replaced by the host's name (each "/" in it made "_"),
 * "%i" by its index and "%%" by "%", so that a get writes one file per
 * host. flags
 * are gossh_sftp_get/_put's (GOSSH_SFTP_RESUME, _PRESERVE, _NOVERIFY), and
 * each transfer is what those functions do (a get lands whole or not at
 * all; sizes are verified). command_timeout_ms limits each host's
 * transfer. A host's result has "transferred" (the file's size) and exit
 * status -1; its errors are those of connecting, plus GOSSH_E_SFTP and
 * GOSSH_E_IO. Returns 0; GOSSH_E_INVALID: unknown direction, NULL or
 * empty path, a get whose local path gives two hosts the same file (no
 * %h or %i, or %h and two hosts of one name), no hosts, a run in progress;
 * GOSSH_E_CLOSED; GOSSH_E_BADHANDLE.
 */
int gossh_group_run_transfer(gossh_group *g, int direction, const char *local, const char *remote,
                             int flags, gossh_error **err);

/*
 * gossh_group_next — waits at most timeout_ms (see "Timeouts") for the
 * next host's result of the current run and gives it in *out, which the
 * caller frees with gossh_group_result_free. Returns 0 with *out NULL when
 * every host's result has been handed out (and before any run):
 * this is how a loop over the results ends. GOSSH_E_TIMEOUT when none
 * came in time (*out NULL), GOSSH_E_INVALID (NULL out, bad timeout),
 * GOSSH_E_BADHANDLE. Blocks.
 */
int gossh_group_next(gossh_group *g, int timeout_ms, gossh_group_result **out,
                     gossh_error **err);

/*
 * gossh_group_watch — makes the group write records (its handle value) to
 * the readiness pipe (see "Readiness events") when a gossh_group_next with
 * timeout_ms 0 that returned GOSSH_E_TIMEOUT (which arms it) may now give
 * a result, so that an event loop takes results without a thread waiting
 * in gossh_group_next. Same rules as gossh_channel_watch; the watch lasts
 * as long as the group handle, over its runs. Does not block. Returns 0,
 * GOSSH_E_INVALID (NULL), GOSSH_E_BADHANDLE, GOSSH_E_IO.
 */
int gossh_group_watch(gossh_group *g, gossh_error **err);

/*
 * gossh_group_wait — waits at most timeout_ms for the current run to end
 * (every host's result queued and every callback returned). Returns 0
 * (also with no run), GOSSH_E_TIMEOUT, GOSSH_E_INVALID, GOSSH_E_BADHANDLE.
 * Blocks.
 */
int gossh_group_wait(gossh_group *g, int timeout_ms, gossh_error **err);

/*
 * gossh_group_cancel — ends the current run: no further host is started,
 * connects and sessions in progress are closed, and every host still gets
 * its result (GOSSH_E_CANCELLED for those the cancel ended). Does not
 * block: gossh_group_next / _wait see the end. Returns 0 (also with no
 * run), GOSSH_E_BADHANDLE.
 */
int gossh_group_cancel(gossh_group *g, gossh_error **err);

/*
 * gossh_group_close — cancels a run in progress, waits for its threads to
 * end, and closes every kept connection; the group takes no more hosts or
 * runs (GOSSH_E_CLOSED). Results already handed out stay valid. Returns 0,
 * GOSSH_E_BADHANDLE. Blocks briefly. gossh_group_free closes the group
 * first, then releases the handle; NULL and a second free are no-ops.
 */
int gossh_group_close(gossh_group *g, gossh_error **err);
void gossh_group_free(gossh_group *g);

/*
 * Reading a result. The strings and bytes these hand out belong to the
 * result and stay valid until gossh_group_result_free (NULL and a second
 * free are no-ops). None blocks. Each returns 0, GOSSH_E_INVALID (NULL
 * out, unknown field or stream), GOSSH_E_BADHANDLE.
 *
 * gossh_group_result_name — the host's name as added.
 * gossh_group_result_error — the host's error as a new error object that
 *   the caller frees with gossh_error_free (code, message, details
 *   "host", "reason", "stage", ...), or NULL when the host succeeded.
 * gossh_group_result_get — one number by name:
 *   "index"        the host's index
 *   "code"         0, or the GOSSH_E_* code of the host's error
 *   "exit_status"  the exit status, -1 when none arrived
 *   "reused"       1 when a connection of an earlier run served this one
 *   "connect_us"   microseconds spent connecting (0 when reused)
 *   "run_us"       microseconds from the session's start to its end
 *   "stdout_len", "stderr_len"   bytes of output collected
 *   "transferred"  bytes a gossh_group_run_transfer moved (0 for a run)
 * gossh_group_result_exit_signal — the signal that killed the command
 *   ("TERM", ...) or NULL.
 * gossh_group_result_output — the collected output of stream 0 (stdout)
 *   or 1 (stderr): *data (NULL when *len is 0) and *len.
 */
int gossh_group_result_name(const gossh_group_result *r, const char **out, gossh_error **err);
int gossh_group_result_error(const gossh_group_result *r, gossh_error **out, gossh_error **err);
int gossh_group_result_get(const gossh_group_result *r, const char *field, int64_t *out,
                           gossh_error **err);
int gossh_group_result_exit_signal(const gossh_group_result *r, const char **out,
                                   gossh_error **err);
int gossh_group_result_output(const gossh_group_result *r, int stream, const uint8_t **data,
                              size_t *len, gossh_error **err);
void gossh_group_result_free(gossh_group_result *r);

/*
 * gossh_group_result_info — a whole result at once, filled in by
 * gossh_group_result_read: the numbers of gossh_group_result_get and the
 * pointers of _name, _exit_signal and _output, which belong to the result
 * and stay valid until gossh_group_result_free. The caller sets size to
 * sizeof(gossh_group_result_info) (GOSSH_GROUP_RESULT_INFO_INIT does),
 * so that a later library with a longer struct fills only the fields the
 * caller's header has.
 *   index          the host's index
 *   code           0, or the GOSSH_E_* code of the host's error (its
 *                  message and details are below)
 *   exit_status    the exit status, -1 when none arrived
 *   reused         1 when a connection of an earlier run served this one
 *   reserved       0
 *   connect_us, run_us, transferred   as gossh_group_result_get's
 *   name           the host's name as added
 *   exit_signal    the signal that killed the command ("TERM", ...) or NULL
 *   stdout_data, stdout_len, stderr_data, stderr_len   the collected
 *                  output (data NULL when len is 0)
 *   error_message  the error's message, NULL when code is 0
 *   error_details, error_ndetails   the error's details (those
 *                  gossh_error_detail names: "host", "stage", "reason",
 *                  "hostname", ...) as error_ndetails pairs, name then
 *                  value, in 2 * error_ndetails strings, sorted by name;
 *                  NULL and 0 when code is 0
 * With code, error_message and error_details a binding builds the host's
 * error without reading an error object (gossh_group_result_error gives
 * the same error as one).
 */
typedef struct gossh_group_result_info {
    size_t size;
    size_t index;
    int code;
    int exit_status;
    int reused;
    int reserved;
    int64_t connect_us;
    int64_t run_us;
    uint64_t transferred;
    const char *name;
    const char *exit_signal;
    const uint8_t *stdout_data;
    size_t stdout_len;
    const uint8_t *stderr_data;
    size_t stderr_len;
    const char *error_message;
    const char *const *error_details;
    size_t error_ndetails;
} gossh_group_result_info;

#define GOSSH_GROUP_RESULT_INFO_INIT                                            \
    { sizeof(gossh_group_result_info), 0, 0, 0, 0, 0, 0, 0, 0, NULL, NULL,     \
      NULL, 0, NULL, 0, NULL, NULL, 0 }

/*
 * gossh_group_result_read — fills *info (see above) from r in one call, for
 * a binding that would otherwise make one call per field. Does not block.
 * Returns 0; GOSSH_E_INVALID (NULL info, or info->size less than
 * sizeof(gossh_group_result_info)); GOSSH_E_BADHANDLE. On failure *info is
 * unchanged.
 */
int gossh_group_result_read(const gossh_group_result *r, gossh_group_result_info *info,
                            gossh_error **err);

/* ------------------------------------------------------------------------ */
/* Logging                                                                   */
/* ------------------------------------------------------------------------ */

/* Levels, numbered as Python's logging module. */
#define GOSSH_LOG_DEBUG 10
#define GOSSH_LOG_INFO 20
#define GOSSH_LOG_WARNING 30
#define GOSSH_LOG_ERROR 40

/*
 * gossh_log_cb — receives one log record: level (GOSSH_LOG_*), a logger
 * name "<channel>.<area>" (e.g. "gossh.transport", "gossh.channel"), and
 * the message. Runs on an unspecified thread, possibly several at once;
 * the strings are valid only during the call. Secrets (passwords,
 * passphrases, key material) are never logged.
 */
typedef void (*gossh_log_cb)(int level, const char *name, const char *message,
                             void *userdata);

/*
 * gossh_set_log_callback — installs the process-wide log callback for
 * records at min_level and above; cb NULL turns logging off (the default).
 * The caller keeps userdata alive until logging is turned off or replaced.
 * Does not block.
 */
int gossh_set_log_callback(gossh_log_cb cb, int min_level, void *userdata, gossh_error **err);

/*
 * gossh_client_set_log_channel — names the client's log records
 * "<name>.transport" and "<name>.channel" (paramiko's set_log_channel;
 * default "gossh").
 */
int gossh_client_set_log_channel(gossh_client *c, const char *name, gossh_error **err);

#ifdef __cplusplus
}
#endif

#endif /* GOSSH_H */
