import fs from 'node:fs';

const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8'));
const pk = lock.packages;
const osOf = (n) =>
  ['android', 'darwin', 'linux', 'win32', 'freebsd', 'openbsd', 'openharmony'].find((o) =>
    n.includes(`-${o}-`),
  );
const cpuOf = (n) => {
  const m = n.match(/-(arm64|x64|arm|ia32|loong64|ppc64|riscv64|s390x)(-|$)/);
  return m ? m[1] : undefined;
};
let added = 0;
for (const [_path, entry] of Object.entries(pk)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (pk[key]) continue;
    const e = { version, cpu: [cpuOf(name)], dev: entry.dev, optional: true, os: [osOf(name)] };
    if (/musl/.test(name)) e.libc = ['musl'];
    else if (/-gnu|linux-(x64|arm64)$/.test(name) && osOf(name) === 'linux') e.libc = ['glibc'];
    if (!e.dev) delete e.dev;
    pk[key] = e;
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(pk).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
fs.writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
console.log('added', added);
