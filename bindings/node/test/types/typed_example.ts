// A typed use of gossh, checked with `tsc --strict` (npm run typecheck, in
// make test-node): the declarations must describe the API as programs use it.
import { Client, HostKeyMismatchError, AuthenticationError, Key, HostKeys, codeName } from 'gossh';
import type { ConnectOptions, ExecResult } from 'gossh';

export async function uptime(host: string, username: string, privateKey: string): Promise<string> {
  const options: ConnectOptions = { host, username, privateKey, knownHosts: '/etc/ssh/ssh_known_hosts' };
  const c = new Client();
  try {
    await c.connect(options);
    const r: ExecResult = await c.exec('uptime');
    if (r.code !== 0) throw new Error(`uptime exited ${r.code}: ${r.stderr}`);
    const proc = await c.spawn('cat');
    proc.stdin.end('hello\n');
    const status: number = await proc.exit;
    return `${r.stdout.trim()} (cat: ${status})`;
  } catch (e) {
    if (e instanceof HostKeyMismatchError) return `host key changed for ${e.hostname}`;
    if (e instanceof AuthenticationError) return `allowed: ${e.allowedTypes.join(',')}`;
    throw e;
  } finally {
    await c.close();
  }
}

export async function fingerprint(path: string): Promise<string> {
  const k = await Key.fromFile(path);
  const hk = new HostKeys();
  return `${k.type} ${hk.size} ${codeName(-6)}`;
}

export async function agentKeys(): Promise<string[]> {
  const { Agent } = await import('gossh');
  const agent = new Agent();
  const keys = await agent.keys();
  const sig: Buffer = await keys[0].sign('data', { algorithm: 'rsa-sha2-512' });
  const options: ConnectOptions = {
    host: 'h', forwardAgent: true, identitiesOnly: true, compress: true,
    algorithms: { cipher: ['aes256-ctr'], serverHostKey: { remove: ['ssh-rsa'] } },
    disabledAlgorithms: { kex: ['diffie-hellman-group1-sha1'] },
  };
  return [...keys.map((k) => `${k.type} ${k.fingerprint} ${k.comment}`), String(sig.length), options.host];
}

export async function viaSSHConfig(alias: string): Promise<string> {
  const { SSHConfig } = await import('gossh');
  const cfg = await SSHConfig.fromPath();
  const r = await cfg.lookup(alias, { user: 'me', port: 22 });
  const files: string[] = r.identityfile ?? [];
  const hostname: string = r.hostname;
  cfg.free();
  const c = new Client();
  try {
    await c.connect({ host: alias, sshConfig: true });
    return `${hostname} ${files.length} ${SSHConfig.fromText('Host a\n  Port 2\n').hostnames().join(',')}`;
  } finally {
    await c.close();
  }
}

// Fan-out: uptime of many hosts, results as they finish, then all at once.
import { Group, runOnHosts } from 'gossh';
import type { GroupResult } from 'gossh';

export async function uptimes(hosts: string[], username: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const g = new Group({ poolSize: 20, knownHosts: '/etc/ssh/ssh_known_hosts', connectTimeout: 5000 });
  try {
    for (const host of hosts) g.addHost({ host, username });
    for await (const r of g.run('uptime', { onOutput: (_i, name, stream, chunk) => { if (stream === 'stderr') console.error(name, chunk.toString()); } })) {
      out.set(r.name, r.error ? `error: ${r.error.code}` : r.stdout.toString());
    }
  } finally {
    await g.close();
  }
  const all: GroupResult[] = await runOnHosts(hosts.map((host) => ({ host, username })), 'true', { stopOnErrors: true });
  out.set('failed', String(all.filter((r) => r.error !== null).length));
  return out;
}
