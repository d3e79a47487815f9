'use strict';
// Loads libgossh.so with koffi and declares the C API of include/gossh.h.
//
// Everything that can block (connect, opening channels, requests, close) and
// the channel I/O calls are called only through koffi's `.async` form (see
// callAsync), which runs on libuv's thread pool: a synchronous call from
// Node's main thread costs about 100 µs (Go re-reads /proc/self/maps there)
// and one that waits on a callback fired from another thread deadlocks.
// Channel I/O never waits there: it uses timeout 0 and the readiness events
// (events.js). Cheap calls (option setters, error accessors, _free) are
// made synchronously.

const fs = require('fs');
const path = require('path');
const koffi = require('koffi');
const { makeError, detailNamesFor } = require('./errors');

const SUPPORTED_MAJOR = 0;
const MIN_MINOR = 1; // this binding was written against 0.1

// The platform package a published gossh would take the library from (see
// bindings/node/README.md, "Packaging"): @gossh/linux-x64-gnu and the like.
const PLATFORM_PACKAGE = `@gossh/${process.platform}-${process.arch}-gnu`;
const PKG = path.resolve(__dirname, '..');
// A gossh source checkout (bindings/node inside the repository), where `make`
// builds the library.
const CHECKOUT = path.resolve(PKG, '..', '..');
const inCheckout = () => fs.existsSync(path.join(CHECKOUT, 'go.mod')) &&
  fs.existsSync(path.join(CHECKOUT, 'capi'));

function candidates() {
  const list = [];
  if (process.env.GOSSH_LIBRARY) list.push(process.env.GOSSH_LIBRARY);
  list.push(path.join(PKG, 'native', 'libgossh.so'));
  try {
    list.push(require.resolve(`${PLATFORM_PACKAGE}/libgossh.so`));
  } catch {
    // not installed: an npm pack of this directory carries native/ instead
  }
  if (inCheckout()) list.push(path.join(CHECKOUT, 'build', 'libgossh.so'));
  return list;
}

function loadLibrary() {
  const tried = [];
  for (const file of candidates()) {
    if (file !== process.env.GOSSH_LIBRARY && !fs.existsSync(file)) {
      tried.push(`${file} (not found)`);
      continue;
    }
    try {
      return { lib: koffi.load(file), file };
    } catch (e) {
      tried.push(`${file} (${e.message})`);
      if (file === process.env.GOSSH_LIBRARY) break; // an explicit choice is final
    }
  }
  const fix = inCheckout()
    ? `run \`make\` in ${CHECKOUT}`
    : `install ${PLATFORM_PACKAGE} (glibc Linux only), or reinstall gossh`;
  throw new Error(
    'gossh: cannot load libgossh.so; tried:\n  ' + tried.join('\n  ') +
    `\nSet GOSSH_LIBRARY to its path, or ${fix}.`);
}

// Opaque handle types. The pointer values are registry keys inside the
// library, never addresses, so a stale one yields GOSSH_E_BADHANDLE.
koffi.opaque('gossh_error');
koffi.opaque('gossh_options');
koffi.opaque('gossh_client');
koffi.opaque('gossh_channel');
koffi.opaque('gossh_key');
koffi.opaque('gossh_hostkeys');

const HostKeyCallback = koffi.proto(
  'int gossh_hostkey_cb(const char *hostname, const char *key_type, ' +
  'const char *key_base64, const char *fingerprint, void *userdata)');

// Log records arrive on Go threads; koffi queues them to the main thread.
const LogCallback = koffi.proto(
  'void gossh_log_cb(int level, const char *name, const char *message, void *userdata)');

// One table, copied from gossh.h. `_Out_ T **` parameters take a one-element
// array that koffi fills in. Strings the library hands over (char **out) are
// declared as void ** so that we can read them and then gossh_free() them.
const PROTOTYPES = [
  'int gossh_version(_Out_ const char **version_string)',

  'void gossh_free(void *p)',
  'int gossh_error_code(const gossh_error *e)',
  'const char *gossh_error_message(const gossh_error *e)',
  'const char *gossh_error_detail(const gossh_error *e, const char *name)',
  'void gossh_error_free(gossh_error *e)',

  'int gossh_key_from_file(const char *path, const char *passphrase, _Out_ gossh_key **out, _Out_ gossh_error **err)',
  'int gossh_key_from_data(const void *data, size_t len, const char *passphrase, _Out_ gossh_key **out, _Out_ gossh_error **err)',
  'int gossh_key_type(const gossh_key *key, _Out_ void **out, _Out_ gossh_error **err)',
  'int gossh_key_public_text(const gossh_key *key, _Out_ void **out, _Out_ gossh_error **err)',
  'int gossh_key_fingerprint(const gossh_key *key, _Out_ void **out, _Out_ gossh_error **err)',
  'int gossh_key_generate(const char *type, int bits, _Out_ gossh_key **out, _Out_ gossh_error **err)',
  'int gossh_key_from_public(const char *text, const void *blob, size_t len, _Out_ gossh_key **out, _Out_ gossh_error **err)',
  'int gossh_key_bits(const gossh_key *key, _Out_ int *bits, _Out_ gossh_error **err)',
  'int gossh_key_can_sign(const gossh_key *key)',
  'int gossh_key_blob(const gossh_key *key, _Out_ void **out, _Out_ size_t *len, _Out_ gossh_error **err)',
  'int gossh_key_fingerprint_md5(const gossh_key *key, _Out_ void **hex, _Out_ gossh_error **err)',
  'int gossh_key_sign(const gossh_key *key, const void *data, size_t len, const char *algorithm, _Out_ void **sig, _Out_ size_t *siglen, _Out_ gossh_error **err)',
  'int gossh_key_verify(const gossh_key *key, const void *data, size_t len, const void *sig, size_t siglen, _Out_ gossh_error **err)',
  'int gossh_key_write_private(const gossh_key *key, const char *passphrase, _Out_ void **out, _Out_ gossh_error **err)',
  'int gossh_key_write_private_file(const gossh_key *key, const char *path, const char *passphrase, _Out_ gossh_error **err)',
  'int gossh_key_load_certificate(gossh_key *key, const char *path_or_text, _Out_ gossh_error **err)',
  'int gossh_key_certificate(const gossh_key *key, _Out_ void **out, _Out_ gossh_error **err)',
  'void gossh_key_free(gossh_key *key)',

  'int gossh_options_new(_Out_ gossh_options **out, _Out_ gossh_error **err)',
  'int gossh_options_set(gossh_options *opts, const char *name, const char *value, _Out_ gossh_error **err)',
  'int gossh_options_add_key(gossh_options *opts, const gossh_key *key, _Out_ gossh_error **err)',
  'void gossh_options_free(gossh_options *opts)',

  'int gossh_client_new(_Out_ gossh_client **out, _Out_ gossh_error **err)',
  'int gossh_client_set_policy(gossh_client *c, int policy, _Out_ gossh_error **err)',
  'int gossh_client_set_policy_callback(gossh_client *c, gossh_hostkey_cb *cb, void *userdata, _Out_ gossh_error **err)',
  'int gossh_client_load_system_host_keys(gossh_client *c, const char *path, _Out_ gossh_error **err)',
  'int gossh_client_load_host_keys(gossh_client *c, const char *path, _Out_ gossh_error **err)',
  'int gossh_client_save_host_keys(gossh_client *c, const char *path, _Out_ gossh_error **err)',
  'int gossh_client_connect(gossh_client *c, const gossh_options *opts, _Out_ gossh_error **err)',
  'int gossh_client_connect_fd(gossh_client *c, int fd, const gossh_options *opts, _Out_ gossh_error **err)',
  'int gossh_client_connect_via(gossh_client *c, gossh_client *via, const gossh_options *opts, _Out_ gossh_error **err)',
  'int gossh_client_connect_channel(gossh_client *c, gossh_channel *ch, const gossh_options *opts, _Out_ gossh_error **err)',
  'int gossh_socketpair(void *fds, _Out_ gossh_error **err)',
  'int gossh_client_is_active(const gossh_client *c)',
  'int gossh_client_is_authenticated(const gossh_client *c)',
  'int gossh_client_exec(gossh_client *c, const char *command, int timeout_ms, _Out_ gossh_channel **out, _Out_ gossh_error **err)',
  'int gossh_client_close(gossh_client *c, _Out_ gossh_error **err)',
  'void gossh_client_free(gossh_client *c)',

  'int gossh_channel_read(gossh_channel *ch, int stream, void *buf, size_t cap, int timeout_ms, _Out_ size_t *nread, _Out_ gossh_error **err)',
  'int gossh_channel_read_any(gossh_channel *ch, void *buf, size_t cap, int timeout_ms, _Out_ int *stream, _Out_ size_t *nread, _Out_ gossh_error **err)',
  'int64_t gossh_channel_read_ready(gossh_channel *ch, int stream, _Out_ gossh_error **err)',
  'int gossh_channel_write(gossh_channel *ch, const void *buf, size_t len, int timeout_ms, _Out_ size_t *written, _Out_ gossh_error **err)',
  'int gossh_channel_send_eof(gossh_channel *ch, _Out_ gossh_error **err)',
  'int gossh_channel_exit_status(gossh_channel *ch, int timeout_ms, _Out_ int *status, _Out_ gossh_error **err)',
  'int gossh_channel_exit_status_ready(gossh_channel *ch)',
  'int gossh_channel_close(gossh_channel *ch, _Out_ gossh_error **err)',
  'void gossh_channel_free(gossh_channel *ch)',
  'int gossh_channel_id(gossh_channel *ch)',
  'int gossh_channel_info(gossh_channel *ch, const char *name, _Out_ void **out, _Out_ gossh_error **err)',

  // Readiness events.
  'int gossh_events_fd(_Out_ int *fd, _Out_ gossh_error **err)',
  'int gossh_channel_watch(gossh_channel *ch, _Out_ gossh_error **err)',
  'int gossh_client_watch_forwards(gossh_client *c, _Out_ gossh_error **err)',

  // Session channels step by step.
  'int gossh_client_open_session(gossh_client *c, int timeout_ms, _Out_ gossh_channel **out, _Out_ gossh_error **err)',
  'int gossh_channel_request_pty(gossh_channel *ch, const char *term, int cols, int rows, int width_pixels, int height_pixels, int timeout_ms, _Out_ gossh_error **err)',
  'int gossh_channel_resize_pty(gossh_channel *ch, int cols, int rows, int width_pixels, int height_pixels, _Out_ gossh_error **err)',
  'int gossh_channel_set_env(gossh_channel *ch, const char *name, const char *value, int timeout_ms, _Out_ gossh_error **err)',
  'int gossh_channel_exec(gossh_channel *ch, const char *command, int timeout_ms, _Out_ gossh_error **err)',
  'int gossh_channel_shell(gossh_channel *ch, int timeout_ms, _Out_ gossh_error **err)',
  'int gossh_channel_subsystem(gossh_channel *ch, const char *name, int timeout_ms, _Out_ gossh_error **err)',
  'int gossh_channel_signal(gossh_channel *ch, const char *name, _Out_ gossh_error **err)',
  'int gossh_channel_set_combine_stderr(gossh_channel *ch, int on, _Out_ int *previous, _Out_ gossh_error **err)',

  // Transport.
  'int gossh_client_info(gossh_client *c, const char *name, _Out_ void **out, _Out_ gossh_error **err)',
  'int gossh_client_set_keepalive(gossh_client *c, int interval_ms, _Out_ gossh_error **err)',
  'int gossh_client_send_ignore(gossh_client *c, _Out_ gossh_error **err)',
  'int gossh_client_open_direct_tcpip(gossh_client *c, const char *dest_host, int dest_port, const char *src_host, int src_port, int timeout_ms, _Out_ gossh_channel **out, _Out_ gossh_error **err)',
  'int gossh_client_request_port_forward(gossh_client *c, const char *address, int port, _Out_ int *bound_port, _Out_ gossh_error **err)',
  'int gossh_client_accept_forward(gossh_client *c, int timeout_ms, _Out_ gossh_channel **out, _Out_ gossh_error **err)',
  'int gossh_client_cancel_port_forward(gossh_client *c, const char *address, int port, _Out_ gossh_error **err)',

  // Host keys.
  'int gossh_hostkeys_new(_Out_ gossh_hostkeys **out, _Out_ gossh_error **err)',
  'void gossh_hostkeys_free(gossh_hostkeys *hk)',
  'int gossh_hostkeys_load(gossh_hostkeys *hk, const char *path, _Out_ gossh_error **err)',
  'int gossh_hostkeys_save(gossh_hostkeys *hk, const char *path, _Out_ gossh_error **err)',
  'int gossh_hostkeys_add(gossh_hostkeys *hk, const char *hostname, const char *key, _Out_ gossh_error **err)',
  'int gossh_hostkeys_add_line(gossh_hostkeys *hk, const char *line, _Out_ gossh_error **err)',
  'int gossh_hostkeys_remove(gossh_hostkeys *hk, const char *hostname, const char *key_type, _Out_ gossh_error **err)',
  'int gossh_hostkeys_clear(gossh_hostkeys *hk, _Out_ gossh_error **err)',
  'int gossh_hostkeys_lookup(gossh_hostkeys *hk, const char *hostname, _Out_ void **out, _Out_ gossh_error **err)',
  'int gossh_hostkeys_check(gossh_hostkeys *hk, const char *hostname, const char *key, _Out_ gossh_error **err)',
  'int gossh_hostkeys_count(gossh_hostkeys *hk)',
  'int gossh_hostkeys_entries(gossh_hostkeys *hk, _Out_ void **out, _Out_ gossh_error **err)',
  'int gossh_hostkeys_hostnames(gossh_hostkeys *hk, _Out_ void **out, _Out_ gossh_error **err)',
  'int gossh_hostkeys_hash_host(const char *hostname, const char *salt, _Out_ void **out, _Out_ gossh_error **err)',
  'int gossh_client_get_host_keys(gossh_client *c, _Out_ gossh_hostkeys **out, _Out_ gossh_error **err)',
  'int gossh_client_get_system_host_keys(gossh_client *c, _Out_ gossh_hostkeys **out, _Out_ gossh_error **err)',

  // Logging.
  'int gossh_set_log_callback(gossh_log_cb *cb, int min_level, void *userdata, _Out_ gossh_error **err)',
  'int gossh_client_set_log_channel(gossh_client *c, const char *name, _Out_ gossh_error **err)',

  // Code names (issue 8): errors.js asks the library instead of keeping a table.
  'const char *gossh_code_name(int code)',
];

// Starting a session in one call (gossh.h "Starting a session in one call").
koffi.opaque('gossh_session_spec');
PROTOTYPES.push(
  'int gossh_session_spec_new(_Out_ gossh_session_spec **out, _Out_ gossh_error **err)',
  'int gossh_session_spec_set(gossh_session_spec *spec, const char *name, const char *value, _Out_ gossh_error **err)',
  'int gossh_session_spec_set_env(gossh_session_spec *spec, const char *name, const char *value, _Out_ gossh_error **err)',
  'void gossh_session_spec_free(gossh_session_spec *spec)',
  'int gossh_client_start(gossh_client *c, const gossh_session_spec *spec, _Out_ gossh_channel **out, _Out_ gossh_error **err)',
  'int gossh_options_add_key_data(gossh_options *opts, const void *data, size_t len, _Out_ gossh_error **err)',
);

// Opening in the background (gossh.h "Opening in the background").
koffi.opaque('gossh_pending');
PROTOTYPES.push(
  'int gossh_client_connect_pending(gossh_client *c, const gossh_options *opts, _Out_ gossh_pending **out, _Out_ gossh_error **err)',
  'int gossh_client_connect_via_pending(gossh_client *c, gossh_client *via, const gossh_options *opts, _Out_ gossh_pending **out, _Out_ gossh_error **err)',
  'int gossh_client_connect_fd_pending(gossh_client *c, int fd, const gossh_options *opts, _Out_ gossh_pending **out, _Out_ gossh_error **err)',
  'int gossh_client_start_pending(gossh_client *c, const gossh_session_spec *spec, _Out_ gossh_pending **out, _Out_ gossh_error **err)',
  'int gossh_client_open_direct_tcpip_pending(gossh_client *c, const char *dest_host, int dest_port, const char *src_host, int src_port, int timeout_ms, _Out_ gossh_pending **out, _Out_ gossh_error **err)',
  'int gossh_pending_take(gossh_pending *p, _Out_ int *done, _Out_ gossh_channel **out, _Out_ gossh_error **err)',
  'void gossh_pending_free(gossh_pending *p)',
);

// The agent (gossh.h "The SSH agent").
PROTOTYPES.push(
  'int gossh_agent_list(const char *socket, _Out_ void **out, _Out_ gossh_error **err)',
  'int gossh_agent_sign(const char *socket, const void *blob, size_t bloblen, const void *data, size_t len, const char *algorithm, _Out_ void **sig, _Out_ size_t *siglen, _Out_ gossh_error **err)',
  'int gossh_channel_request_forward_agent(gossh_channel *ch, int timeout_ms, _Out_ int *accepted, _Out_ gossh_error **err)',
  'int gossh_agent_key(const char *socket, const void *blob, size_t bloblen, _Out_ gossh_key **out, _Out_ gossh_error **err)',
);

// ssh_config (gossh.h "ssh_config").
koffi.opaque('gossh_sshconfig');
PROTOTYPES.push(
  'int gossh_sshconfig_from_path(const char *path, _Out_ gossh_sshconfig **out, _Out_ gossh_error **err)',
  'int gossh_sshconfig_from_text(const char *text, _Out_ gossh_sshconfig **out, _Out_ gossh_error **err)',
  'int gossh_sshconfig_add_text(gossh_sshconfig *cfg, const char *text, _Out_ gossh_error **err)',
  'int gossh_sshconfig_lookup(const gossh_sshconfig *cfg, const char *host, const char *user, int port, _Out_ void **out, _Out_ gossh_error **err)',
  'int gossh_sshconfig_hostnames(const gossh_sshconfig *cfg, _Out_ void **out, _Out_ gossh_error **err)',
  'int gossh_sshconfig_multi_keywords(_Out_ void **out, _Out_ gossh_error **err)',
  'void gossh_sshconfig_free(gossh_sshconfig *cfg)',
);

// Fan-out (gossh.h "Fan-out: one command on many hosts"); lib/group.js.
koffi.opaque('gossh_group');
koffi.opaque('gossh_group_result');
// Output of a host, on the library's threads; koffi brings it to the main thread.
const GroupOutputCallback = koffi.proto(
  'void gossh_group_output_cb(size_t index, const char *name, int stream, const void *data, size_t len, void *userdata)');
// A whole result in one call (gossh_group_result_read); the pointers stay
// the result's until gossh_group_result_free, so they are read as void *
// and decoded before it.
const GroupResultInfo = koffi.struct('gossh_group_result_info', {
  size: 'size_t',
  index: 'size_t',
  code: 'int',
  exit_status: 'int',
  reused: 'int',
  reserved: 'int',
  connect_us: 'int64_t',
  run_us: 'int64_t',
  transferred: 'uint64_t',
  name: 'const char *',
  exit_signal: 'const char *',
  stdout_data: 'void *',
  stdout_len: 'size_t',
  stderr_data: 'void *',
  stderr_len: 'size_t',
  error_message: 'const char *',
  error_details: 'void *',
  error_ndetails: 'size_t',
});
PROTOTYPES.push(
  'int gossh_group_new(_Out_ gossh_group **out, _Out_ gossh_error **err)',
  'int gossh_group_set(gossh_group *g, const char *name, const char *value, _Out_ gossh_error **err)',
  'int gossh_group_set_policy(gossh_group *g, int policy, _Out_ gossh_error **err)',
  'int gossh_group_set_policy_callback(gossh_group *g, gossh_hostkey_cb *cb, void *userdata, _Out_ gossh_error **err)',
  'int gossh_group_load_host_keys(gossh_group *g, const char *path, _Out_ gossh_error **err)',
  'int gossh_group_load_system_host_keys(gossh_group *g, const char *path, _Out_ gossh_error **err)',
  'int gossh_group_add_host(gossh_group *g, const char *name, const gossh_options *opts, _Out_ size_t *index, _Out_ gossh_error **err)',
  'int gossh_group_set_host_command(gossh_group *g, size_t index, const char *command, _Out_ gossh_error **err)',
  'int gossh_group_set_output_callback(gossh_group *g, gossh_group_output_cb *cb, void *userdata, _Out_ gossh_error **err)',
  'int gossh_group_run(gossh_group *g, const gossh_session_spec *spec, _Out_ gossh_error **err)',
  'int gossh_group_run_transfer(gossh_group *g, int direction, const char *local, const char *remote, int flags, _Out_ gossh_error **err)',
  'int gossh_group_next(gossh_group *g, int timeout_ms, _Out_ gossh_group_result **out, _Out_ gossh_error **err)',
  'int gossh_group_watch(gossh_group *g, _Out_ gossh_error **err)',
  'int gossh_group_cancel(gossh_group *g, _Out_ gossh_error **err)',
  'int gossh_group_close(gossh_group *g, _Out_ gossh_error **err)',
  'void gossh_group_free(gossh_group *g)',
  'int gossh_group_result_name(const gossh_group_result *r, _Out_ const char **out, _Out_ gossh_error **err)',
  'int gossh_group_result_error(const gossh_group_result *r, _Out_ gossh_error **out, _Out_ gossh_error **err)',
  'int gossh_group_result_get(const gossh_group_result *r, const char *field, _Out_ int64_t *out, _Out_ gossh_error **err)',
  'int gossh_group_result_exit_signal(const gossh_group_result *r, _Out_ const char **out, _Out_ gossh_error **err)',
  'int gossh_group_result_output(const gossh_group_result *r, int stream, _Out_ void **data, _Out_ size_t *len, _Out_ gossh_error **err)',
  'void gossh_group_result_free(gossh_group_result *r)',
  'int gossh_group_result_read(const gossh_group_result *r, _Inout_ gossh_group_result_info *info, _Out_ gossh_error **err)',
  'int gossh_options_set_list(gossh_options *opts, const char **names, const char **values, size_t n, _Out_ gossh_error **err)',
  'int gossh_group_add_host_list(gossh_group *g, const char *name, const gossh_options *base, const char **names, const char **values, size_t n, _Out_ size_t *index, _Out_ gossh_error **err)',
);

// SFTP (gossh.h "SFTP (paramiko's SFTPClient)"). The structs are plain C
// structs whose layout the header fixes for this major version.
koffi.opaque('gossh_sftp');
koffi.opaque('gossh_sftp_file');
koffi.opaque('gossh_sftp_dir');
const SftpAttrs = koffi.struct('gossh_sftp_attrs', {
  flags: 'uint32_t',
  mode: 'uint32_t',
  size: 'uint64_t',
  uid: 'uint32_t',
  gid: 'uint32_t',
  atime: 'int64_t',
  mtime: 'int64_t',
});
const SftpEntry = koffi.struct('gossh_sftp_entry', {
  name: 'char *',
  longname: 'char *',
  attrs: 'gossh_sftp_attrs',
});
const SftpStatvfs = koffi.struct('gossh_sftp_statvfs_t', {
  bsize: 'uint64_t', frsize: 'uint64_t', blocks: 'uint64_t', bfree: 'uint64_t', bavail: 'uint64_t',
  files: 'uint64_t', ffree: 'uint64_t', favail: 'uint64_t', fsid: 'uint64_t', flag: 'uint64_t',
  namemax: 'uint64_t',
});
// Progress of a whole-file transfer: called on a Go thread while the
// (asynchronous) transfer runs; koffi queues it to the main thread and the Go
// thread waits for its answer (see lib/sftp.js, "Progress and cancellation").
const ProgressCallback = koffi.proto(
  'int gossh_progress_cb(uint64_t done, uint64_t total, void *userdata)');

// Declared apart: a library built before SFTP lacks them, and everything
// else must still load (OPTIONAL below). dir_read and entries_free take the
// entries as void *: an array from koffi.alloc, decoded after the call.
const SFTP_PROTOTYPES = [
  'int gossh_client_open_sftp(gossh_client *c, int timeout_ms, _Out_ gossh_sftp **out, _Out_ gossh_error **err)',
  'int gossh_sftp_set(gossh_sftp *s, const char *name, const char *value, _Out_ gossh_error **err)',
  'int gossh_sftp_info(gossh_sftp *s, const char *name, _Out_ void **out, _Out_ gossh_error **err)',
  'int gossh_sftp_close(gossh_sftp *s, _Out_ gossh_error **err)',
  'void gossh_sftp_free(gossh_sftp *s)',
  'int gossh_sftp_stat(gossh_sftp *s, const char *path, int timeout_ms, _Out_ gossh_sftp_attrs *out, _Out_ gossh_error **err)',
  'int gossh_sftp_lstat(gossh_sftp *s, const char *path, int timeout_ms, _Out_ gossh_sftp_attrs *out, _Out_ gossh_error **err)',
  'int gossh_sftp_setstat(gossh_sftp *s, const char *path, const gossh_sftp_attrs *attrs, int timeout_ms, _Out_ gossh_error **err)',
  'int gossh_sftp_mkdir(gossh_sftp *s, const char *path, uint32_t mode, int timeout_ms, _Out_ gossh_error **err)',
  'int gossh_sftp_makedirs(gossh_sftp *s, const char *path, uint32_t mode, int timeout_ms, _Out_ gossh_error **err)',
  'int gossh_sftp_rmdir(gossh_sftp *s, const char *path, int timeout_ms, _Out_ gossh_error **err)',
  'int gossh_sftp_remove(gossh_sftp *s, const char *path, int timeout_ms, _Out_ gossh_error **err)',
  'int gossh_sftp_rmtree(gossh_sftp *s, const char *path, int timeout_ms, _Out_ gossh_error **err)',
  'int gossh_sftp_rename(gossh_sftp *s, const char *oldpath, const char *newpath, int flags, int timeout_ms, _Out_ gossh_error **err)',
  'int gossh_sftp_symlink(gossh_sftp *s, const char *target, const char *linkpath, int timeout_ms, _Out_ gossh_error **err)',
  'int gossh_sftp_hardlink(gossh_sftp *s, const char *oldpath, const char *newpath, int timeout_ms, _Out_ gossh_error **err)',
  'int gossh_sftp_readlink(gossh_sftp *s, const char *path, int timeout_ms, _Out_ void **out, _Out_ gossh_error **err)',
  'int gossh_sftp_realpath(gossh_sftp *s, const char *path, int timeout_ms, _Out_ void **out, _Out_ gossh_error **err)',
  'int gossh_sftp_statvfs(gossh_sftp *s, const char *path, int timeout_ms, _Out_ gossh_sftp_statvfs_t *out, _Out_ gossh_error **err)',
  'int gossh_sftp_copy(gossh_sftp *s, const char *src, const char *dst, int timeout_ms, _Out_ gossh_error **err)',
  'int gossh_sftp_glob(gossh_sftp *s, const char *pattern, int timeout_ms, _Out_ gossh_sftp_dir **out, _Out_ gossh_error **err)',
  'int gossh_sftp_opendir(gossh_sftp *s, const char *path, int timeout_ms, _Out_ gossh_sftp_dir **out, _Out_ gossh_error **err)',
  'int gossh_sftp_dir_read(gossh_sftp_dir *d, void *entries, size_t cap, int timeout_ms, _Out_ size_t *n, _Out_ gossh_error **err)',
  'void gossh_sftp_entries_free(void *entries, size_t n)',
  'void gossh_sftp_dir_free(gossh_sftp_dir *d)',
  'int gossh_sftp_open(gossh_sftp *s, const char *path, int flags, uint32_t mode, int timeout_ms, _Out_ gossh_sftp_file **out, _Out_ gossh_error **err)',
  'int gossh_sftp_file_read(gossh_sftp_file *f, void *buf, size_t cap, int timeout_ms, _Out_ size_t *nread, _Out_ gossh_error **err)',
  'int gossh_sftp_file_write(gossh_sftp_file *f, const void *buf, size_t len, int timeout_ms, _Out_ size_t *written, _Out_ gossh_error **err)',
  'int gossh_sftp_file_pread(gossh_sftp_file *f, void *buf, size_t cap, uint64_t offset, int timeout_ms, _Out_ size_t *nread, _Out_ gossh_error **err)',
  'int gossh_sftp_file_pwrite(gossh_sftp_file *f, const void *buf, size_t len, uint64_t offset, int timeout_ms, _Out_ size_t *written, _Out_ gossh_error **err)',
  'int gossh_sftp_file_seek(gossh_sftp_file *f, int64_t offset, int whence, int timeout_ms, _Out_ uint64_t *pos, _Out_ gossh_error **err)',
  'int gossh_sftp_file_flush(gossh_sftp_file *f, int timeout_ms, _Out_ gossh_error **err)',
  'int gossh_sftp_file_stat(gossh_sftp_file *f, int timeout_ms, _Out_ gossh_sftp_attrs *out, _Out_ gossh_error **err)',
  'int gossh_sftp_file_setstat(gossh_sftp_file *f, const gossh_sftp_attrs *attrs, int timeout_ms, _Out_ gossh_error **err)',
  'int gossh_sftp_file_sync(gossh_sftp_file *f, int timeout_ms, _Out_ gossh_error **err)',
  'int gossh_sftp_file_check(gossh_sftp_file *f, const char *algorithm, uint64_t offset, uint64_t length, int timeout_ms, _Out_ void **out, _Out_ gossh_error **err)',
  'int gossh_sftp_file_close(gossh_sftp_file *f, int timeout_ms, _Out_ gossh_error **err)',
  'void gossh_sftp_file_free(gossh_sftp_file *f)',
  'int gossh_sftp_get(gossh_sftp *s, const char *remote, const char *local, int flags, gossh_progress_cb *cb, void *userdata, int timeout_ms, _Out_ uint64_t *size, _Out_ gossh_error **err)',
  'int gossh_sftp_put(gossh_sftp *s, const char *local, const char *remote, int flags, gossh_progress_cb *cb, void *userdata, int timeout_ms, _Out_ uint64_t *size, _Out_ gossh_error **err)',
  'int gossh_sftp_get_dir(gossh_sftp *s, const char *remote, const char *local, int flags, gossh_progress_cb *cb, void *userdata, int timeout_ms, _Out_ gossh_error **err)',
  'int gossh_sftp_put_dir(gossh_sftp *s, const char *local, const char *remote, int flags, gossh_progress_cb *cb, void *userdata, int timeout_ms, _Out_ gossh_error **err)',
];

const { lib, file: libraryPath } = loadLibrary();

const fn = {};
const intParams = {}; // name -> positions of the plain `int` parameters
const missing = new Set(); // optional functions this library lacks
function declare(proto, optional) {
  const m = /\b(gossh_[a-z0-9_]+)\s*\((.*)\)\s*$/.exec(proto);
  const name = m[1];
  let f;
  try {
    f = lib.func(proto);
  } catch (e) {
    if (!optional) throw e;
    missing.add(name);
    return;
  }
  fn[name] = f;
  intParams[name] = m[2].split(',').map((p, i) => (/^\s*int\s+\w+\s*$/.test(p) ? i : -1)).filter((i) => i >= 0);
}
for (const proto of PROTOTYPES) declare(proto, false);
for (const proto of SFTP_PROTOTYPES) declare(proto, true);

// The _pending twin of every SFTP call that waits on the server (those with
// a timeout_ms; gossh.h "SFTP in the background"): the call's parameters
// with each out-parameter a plain pointer to memory this side allocates
// (the library fills it in the background) and a pending before the error
// slot. pendingOuts[twin]: the out-parameters' positions and the types
// they point to, for lib/pending.js's callPending.
const pendingOuts = {};
for (const proto of SFTP_PROTOTYPES) {
  const m = /^int (gossh_[a-z0-9_]+)\((.*)\)$/.exec(proto);
  if (!m || !/\bint timeout_ms\b/.test(m[2])) continue;
  const outs = [];
  const params = m[2].split(',').map((p) => p.trim()).slice(0, -1).map((p, index) => {
    const o = /^_Out_\s+(.+?)\s*(\*+)\s*(\w+)$/.exec(p);
    if (!o) return p;
    outs.push({ index, type: `${o[1]} ${'*'.repeat(o[2].length - 1)}`.trim() });
    return `void *${o[3]}`;
  });
  const twin = `${m[1]}_pending`;
  declare(`int ${twin}(${[...params, '_Out_ gossh_pending **pending', '_Out_ gossh_error **err'].join(', ')})`, true);
  if (fn[twin]) pendingOuts[twin] = outs;
}

/** Throws if the loaded library lacks an (optional) function. */
function need(name) {
  if (!fn[name]) {
    throw new Error(`gossh: ${libraryPath} has no ${name} (a libgossh built before that ` +
      'function was added); rebuild it with `make`');
  }
}

/**
 * koffi silently wraps a number that does not fit a C int (2 ** 32 + 22
 * arrives as 22, or as INT_MIN), so such a number never reaches the
 * library: it gets the library's own answer to an out-of-range number,
 * GOSSH_E_INVALID. The value is not repeated. Ranges themselves (ports,
 * pty sizes) are decided in the library.
 */
function checkIntArgs(name, args) {
  for (const i of intParams[name] || []) {
    const v = args[i];
    if (typeof v === 'number' && !(v >= -2147483648 && v <= 2147483647)) {
      throw makeError(-1, `${name}: argument ${i + 1} is out of range (it does not fit a C int)`);
    }
  }
}

// Version check: the header and the library must agree on the major version.
const versionOut = [null];
const versionNumber = fn.gossh_version(versionOut);
const version = versionOut[0] || String(versionNumber);
{
  const major = Math.floor(versionNumber / 10000);
  const minor = Math.floor(versionNumber / 100) % 100;
  if (major !== SUPPORTED_MAJOR || (major === 0 && minor < MIN_MINOR)) {
    throw new Error(`gossh: ${libraryPath} is libgossh ${version}; this binding needs ` +
      `${SUPPORTED_MAJOR}.${MIN_MINOR} or a later ${SUPPORTED_MAJOR}.x`);
  }
}

/**
 * Turns an `_Out_ gossh_error **` slot into a JS error (or null on success)
 * and always frees the native error object.
 */
function takeError(rc, errSlot) {
  const e = errSlot ? errSlot[0] : null;
  if (rc === 0 || rc === undefined) {
    if (e) fn.gossh_error_free(e);
    return null;
  }
  if (!e) return makeError(rc, null);
  try {
    const code = fn.gossh_error_code(e);
    const message = fn.gossh_error_message(e);
    const details = {};
    for (const name of detailNamesFor(code < 0 ? code : rc)) {
      const v = fn.gossh_error_detail(e, name);
      if (v !== null && v !== undefined) details[name] = v;
    }
    return makeError(code < 0 ? code : rc, message, details);
  } finally {
    fn.gossh_error_free(e);
  }
}

/** Synchronous call for cheap functions: the last argument is the error slot. */
function callSync(name, ...args) {
  need(name);
  checkIntArgs(name, args);
  const err = [null];
  const rc = fn[name](...args, err);
  const e = takeError(rc, err);
  if (e) throw e;
  return rc;
}

/**
 * koffi refuses more than `max_async_calls` (256) asynchronous calls running
 * and queued at once ("Too many asynchronous calls are running"), and a
 * thousand channels woken together would ask for more. Calls beyond
 * MAX_ASYNC wait here, in order, for one in flight to finish; libuv's pool
 * (4 threads by default) queues the ones in flight anyway.
 */
const MAX_ASYNC = 64;
let asyncRunning = 0;
const asyncQueue = [];
let asyncHead = 0;

function nextAsync() {
  while (asyncRunning < MAX_ASYNC && asyncHead < asyncQueue.length) {
    const run = asyncQueue[asyncHead];
    asyncQueue[asyncHead++] = undefined;
    if (asyncHead === asyncQueue.length) { asyncQueue.length = 0; asyncHead = 0; }
    run();
  }
}

/** Runs fn[name].async(...args, cb) within the MAX_ASYNC limit. */
function runAsync(name, args, cb) {
  try { need(name); } catch (e) { cb(e); return; }
  const run = () => {
    asyncRunning++;
    try {
      fn[name].async(...args, (ffiError, rc) => {
        asyncRunning--;
        nextAsync();
        cb(ffiError, rc);
      });
    } catch (e) {
      asyncRunning--;
      nextAsync();
      cb(e);
    }
  };
  if (asyncRunning < MAX_ASYNC) run(); else asyncQueue.push(run);
}

/**
 * Asynchronous call on libuv's thread pool. Resolves with the return code
 * (0) or rejects with the translated error. `args` must not include the
 * error slot; callAsync adds it. Out-parameter arrays in `args` are filled
 * in when the promise resolves.
 */
function callAsync(name, ...args) {
  return new Promise((resolve, reject) => {
    checkIntArgs(name, args);
    const err = [null];
    runAsync(name, [...args, err], (ffiError, rc) => {
      if (ffiError) return reject(ffiError);
      const e = takeError(rc, err);
      if (e) reject(e); else resolve(rc);
    });
  });
}

/**
 * Asynchronous call of a function without an error slot (the _free
 * functions of handles whose release talks to the server: an SFTP file or
 * directory is closed on the server too). Resolves when it has run; never
 * rejects.
 */
function callVoidAsync(name, ...args) {
  return new Promise((resolve) => runAsync(name, args, () => resolve()));
}

const GOSSH_E_TIMEOUT = -5;

// Calls that can be made again with the same arguments and the same
// meaning (a read is a read): tryNow passes them no error slot and, on a
// failure other than GOSSH_E_TIMEOUT, makes the call again with one.
const REPEATABLE = new Set([
  'gossh_channel_read', 'gossh_channel_read_any', 'gossh_channel_exit_status', 'gossh_client_accept_forward',
]);

/**
 * A call made with timeout 0, whose usual "nothing to do" is
 * GOSSH_E_TIMEOUT, on the main thread: returns true on success and false
 * on GOSSH_E_TIMEOUT, throws the translated error otherwise. Such a call
 * never waits, and a call into Go from the main thread costs about a
 * microsecond (libgossh answers the Go runtime's stack query itself,
 * capi/stackbound.c; it was ~100 us, a read of /proc/self/maps, which is why
 * these calls once went through the thread pool). A timeout costs no error
 * object: REPEATABLE calls get no error slot (on another failure they are
 * made again, with one, for the error's details), others free it.
 */
function tryNow(name, ...args) {
  need(name);
  checkIntArgs(name, args);
  if (REPEATABLE.has(name)) {
    const rc = fn[name](...args, null);
    if (rc === 0) return true;
    if (rc === GOSSH_E_TIMEOUT) return false;
    // Another failure: made again below, with an error slot, for its details.
  }
  const err = [null];
  const rc = fn[name](...args, err);
  if (rc === GOSSH_E_TIMEOUT) {
    takeError(0, err);
    return false;
  }
  const e = takeError(rc, err);
  if (e) throw e;
  return true;
}

/** tryNow as a promise. */
function callNoWait(name, ...args) {
  try {
    return Promise.resolve(tryNow(name, ...args));
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * For calls that only tear down (gossh_client_close, gossh_channel_close):
 * asynchronous, but if the thread pool has not run the call within
 * `fallbackMs` (every pool thread busy with a blocking connect, read or
 * write), makes the call synchronously on the main thread instead. These
 * calls return promptly in Go, and a close must never queue behind the very
 * calls it is meant to end. Both are safe to call twice.
 */
function callClose(name, handle, fallbackMs = 200) {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      if (done) return;
      try { callSync(name, handle); } catch (_) { /* closing an already closed handle */ }
      finish();
    }, fallbackMs);
    callAsync(name, handle).then(finish, finish);
  });
}

/** Reads a library-owned string from a void* and frees it with gossh_free. */
function takeString(ptr) {
  if (!ptr) return null;
  try {
    return koffi.decode(ptr, 'char', -1);
  } finally {
    fn.gossh_free(ptr);
  }
}

function registerLogCallback(jsfn) {
  return koffi.register(jsfn, koffi.pointer(LogCallback));
}

function registerHostKeyCallback(jsfn) {
  return koffi.register(jsfn, koffi.pointer(HostKeyCallback));
}

function registerProgressCallback(jsfn) {
  return koffi.register(jsfn, koffi.pointer(ProgressCallback));
}

function registerGroupOutputCallback(jsfn) {
  return koffi.register(jsfn, koffi.pointer(GroupOutputCallback));
}

function unregisterCallback(ptr) {
  koffi.unregister(ptr);
}

module.exports = {
  koffi,
  fn,
  libraryPath,
  version,
  versionNumber,
  callSync,
  callAsync,
  callVoidAsync,
  callNoWait,
  tryNow,
  callClose,
  takeError,
  takeString,
  registerHostKeyCallback,
  registerLogCallback,
  registerProgressCallback,
  registerGroupOutputCallback,
  unregisterCallback,
  need,
  has: (name) => Boolean(fn[name]),
  pendingOuts,
  SftpAttrs,
  SftpEntry,
  GroupResultInfo,
  GROUP_RESULT_INFO_SIZE: koffi.sizeof(GroupResultInfo),
  SftpStatvfs,
  POLICY_REJECT: 0,
  POLICY_AUTOADD: 1,
  POLICY_WARNING: 2,
  HOSTKEY_REJECT: 0,
  HOSTKEY_ACCEPT: 1,
  HOSTKEY_ACCEPT_ADD: 2,
  STREAM_STDOUT: 0,
  STREAM_STDERR: 1,
};
