import { commandSucceeds, notRootReason, runCommand } from './run-command.ts';

/**
 * A network namespace joined to the host by a veth pair on a private /30: a process started
 * inside it reaches a server bound to the host-side address only over that link, so the link
 * can be partitioned without touching anything else on the machine.
 *
 * The partition drops packets silently in both directions (an iptables DROP on each side's
 * INPUT), which is what a real partition looks like to both ends: no RST, no ICMP, no error on
 * send; established connections stay open and retransmit into the void, and a new connect()
 * hangs in SYN_SENT. Link down or a removed address would not do: the kernel then fails sends
 * and connects at once (ENETUNREACH, EHOSTUNREACH once ARP gives up), which a client notices
 * and handles very differently. DROP on OUTPUT would not do either: the sender gets EPERM.
 */
export interface NetnsLink {
  /** The namespace's name. */
  readonly ns: string;
  /** Where a server must listen to be reached from inside (the host side of the veth). */
  readonly hostAddress: string;
  /** The namespace side's address. */
  readonly nsAddress: string;
  /** The command prefix that runs a program inside the namespace: `[...prefix, 'node', ...]`. */
  readonly execPrefix: readonly string[];
  /** Starts dropping every packet on the link, both ways. */
  partition(): Promise<void>;
  /** Stops dropping: established connections carry on where TCP left them. */
  heal(): Promise<void>;
  /** Removes the rules, the link and the namespace; safe to call twice. */
  remove(): Promise<void>;
}

/** Names start with these, so a later run finds and removes what a crashed one left behind. */
const NS_PREFIX = 'cxchaos-';
const HOST_IF_PREFIX = 'cxh-';
const NS_IF_PREFIX = 'cxn-';
const RULE_COMMENT = 'celeriac-chaos-partition';

/** Why this machine cannot build a partitionable namespace, or undefined when it can. */
export async function netnsUnavailable(): Promise<string | undefined> {
  const notRoot = notRootReason();
  if (notRoot) return notRoot;
  if (!(await commandSucceeds('ip', ['-V']))) return 'no `ip` command (install iproute2)';
  if (!(await iptables())) return 'no working `iptables` (install iptables) to drop packets';
  const probe = `${NS_PREFIX}${process.pid}-probe`;
  try {
    await runCommand('ip', ['netns', 'add', probe]);
  } catch (error) {
    return `cannot create a network namespace: ${(error as Error).message}`;
  }
  await runCommand('ip', ['netns', 'del', probe]).catch(() => undefined);
  return undefined;
}

let iptablesBinary: Promise<string | undefined> | undefined;

/** The iptables flavour the kernel answers to (nf_tables first, then legacy x_tables). */
function iptables(): Promise<string | undefined> {
  iptablesBinary ??= (async () => {
    for (const binary of ['iptables', 'iptables-legacy']) {
      if (await commandSucceeds(binary, ['-w', '-S', 'INPUT'])) return binary;
    }
    return undefined;
  })();
  return iptablesBinary;
}

/** A /30 of 10.231.0.0/16 chosen by `seed` (the pid), so parallel runs do not collide. */
function subnetFor(seed: number): { host: string; ns: string } {
  const block = seed % (1 << 14);
  const third = block >> 6;
  const fourth = (block & 63) << 2;
  return { host: `10.231.${third}.${fourth + 1}`, ns: `10.231.${third}.${fourth + 2}` };
}

let created = 0;

/** Creates the namespace, the veth pair and the addresses; the link is up and not partitioned. */
export async function createNetnsLink(): Promise<NetnsLink> {
  const binary = await iptables();
  if (!binary) throw new Error('createNetnsLink: no working iptables');
  const id = `${process.pid}-${++created}`;
  const ns = `${NS_PREFIX}${id}`;
  const hostIf = `${HOST_IF_PREFIX}${id}`;
  const nsIf = `${NS_IF_PREFIX}${id}`;
  const { host, ns: nsAddress } = subnetFor(process.pid * 8 + created);
  const inNs = ['ip', 'netns', 'exec', ns];
  const nsIp = (...args: string[]) => runCommand('ip', ['netns', 'exec', ns, 'ip', ...args]);
  const hostRule = ['INPUT', '-i', hostIf, '-m', 'comment', '--comment', RULE_COMMENT];
  const nsRule = ['INPUT', '-i', nsIf, '-m', 'comment', '--comment', RULE_COMMENT];
  let removed = false;
  const link: NetnsLink = {
    ns,
    hostAddress: host,
    nsAddress,
    execPrefix: inNs,
    async partition() {
      await runCommand(binary, ['-w', '-I', ...hostRule, '-j', 'DROP']);
      await runCommand('ip', [...inNs.slice(1), binary, '-w', '-I', ...nsRule, '-j', 'DROP']);
    },
    async heal() {
      await deleteRules(() => [binary, '-w', '-D', ...hostRule, '-j', 'DROP']);
      await deleteRules(() => [...inNs, binary, '-w', '-D', ...nsRule, '-j', 'DROP']);
    },
    async remove() {
      if (removed) return;
      removed = true;
      await deleteRules(() => [binary, '-w', '-D', ...hostRule, '-j', 'DROP']);
      await runCommand('ip', ['link', 'del', hostIf]).catch(() => undefined);
      await runCommand('ip', ['netns', 'del', ns]).catch(() => undefined);
    },
  };
  try {
    await runCommand('ip', ['netns', 'add', ns]);
    await runCommand('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
    await runCommand('ip', ['link', 'set', nsIf, 'netns', ns]);
    await runCommand('ip', ['addr', 'add', `${host}/30`, 'dev', hostIf]);
    await runCommand('ip', ['link', 'set', hostIf, 'up']);
    await nsIp('addr', 'add', `${nsAddress}/30`, 'dev', nsIf);
    await nsIp('link', 'set', nsIf, 'up');
    await nsIp('link', 'set', 'lo', 'up');
  } catch (error) {
    await link.remove();
    throw error;
  }
  return link;
}

/** Runs a rule deletion until it fails: partition() twice inserts two copies. */
async function deleteRules(argv: () => string[]): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const [file, ...args] = argv();
    if (!file || !(await commandSucceeds(file, args))) return;
  }
}

/** Whether a process with this pid is alive (the owner of a namespace named after it). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid in a leftover's name (`<prefix><pid>-<n>`), or undefined when it is not ours. */
function ownerPid(name: string, prefix: string): number | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const pid = Number(name.slice(prefix.length).split('-')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Removes namespaces, links and rules left by runs that died without cleaning up (their pid is
 * gone); resolves with what it removed. A live run's namespace is left alone.
 */
export async function sweepNetnsLeftovers(): Promise<string[]> {
  if (notRootReason() || !(await commandSucceeds('ip', ['-V']))) return [];
  const removed: string[] = [];
  const namespaces = (await runCommand('ip', ['netns', 'list']).catch(() => ''))
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '');
  for (const ns of namespaces) {
    const pid = ownerPid(ns, NS_PREFIX);
    if (pid === undefined || alive(pid)) continue;
    await runCommand('ip', ['netns', 'del', ns]).catch(() => undefined);
    removed.push(`namespace ${ns}`);
  }
  const links = (await runCommand('ip', ['-o', 'link', 'show']).catch(() => ''))
    .split('\n')
    .map((line) => (line.split(': ')[1] ?? '').split('@')[0] ?? '');
  for (const name of links) {
    const pid = ownerPid(name, HOST_IF_PREFIX);
    if (pid === undefined || alive(pid)) continue;
    await runCommand('ip', ['link', 'del', name]).catch(() => undefined);
    removed.push(`link ${name}`);
  }
  removed.push(...(await sweepRules()));
  return removed;
}

/** Host INPUT rules with our comment whose interface belongs to a dead run. */
async function sweepRules(): Promise<string[]> {
  const binary = await iptables();
  if (!binary) return [];
  const rules = (await runCommand(binary, ['-w', '-S', 'INPUT']).catch(() => '')).split('\n');
  const removed: string[] = [];
  for (const rule of rules.filter((r) => r.includes(RULE_COMMENT))) {
    const hostIf = /-i (\S+)/.exec(rule)?.[1] ?? '';
    const pid = ownerPid(hostIf, HOST_IF_PREFIX);
    if (pid !== undefined && alive(pid)) continue;
    const args = rule.replace(/^-A /, '-D ').split(' ');
    if (await commandSucceeds(binary, ['-w', ...args.map((a) => a.replace(/^"|"$/g, ''))])) {
      removed.push(`rule ${rule}`);
    }
  }
  return removed;
}
