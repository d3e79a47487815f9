// ESM entry point: every public name of the CommonJS module, as named
// exports (import { Client, HostKeyError } from 'gossh') and as the default.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const gossh = require('./index.js');

export default gossh;
export const {
  Client, Process, Channel, Key, HostKeys, Agent, AgentKey, setLogger, version, libraryPath, codeName,
  SFTP, FileHandle, Dir, Dirent, Stats, ReadStream, WriteStream, SFTPError, AbortError,
  SSHError, InvalidArgumentError, BadHandleError, ConnectionError, TimeoutError,
  AuthenticationError, BadAuthenticationTypeError, PasswordRequiredError, HostKeyError,
  HostKeyMismatchError, ProtocolError, ClosedError, NotConnectedError, ChannelError, KeyError,
  FileError,
} = gossh;
export const codes = gossh.codes;
export const SSHConfig = gossh.SSHConfig;
export const Group = gossh.Group;
export const runOnHosts = gossh.runOnHosts;
