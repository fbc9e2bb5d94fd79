// Packages the extension as a .vsix, checking what goes in.
//
//   node scripts/package.mjs --target linux-x64   --binary PATH [--out FILE]
//   node scripts/package.mjs --target linux-arm64 --binary PATH [--out FILE]
//   node scripts/package.mjs --target universal                 [--out FILE]
//   node scripts/package.mjs --local [--out FILE]
//
// A platform package carries the given mantile-lsp (checked to be an ELF executable for that
// CPU, stripped of debug info) in server/; the universal one carries none and runs mantile-lsp
// from PATH or mantile.server.path. --local (what `npm run package` does) is for this machine:
// no target, the binary from $MANTILE_LSP_BINARY, $CARGO_TARGET_DIR/release or target/release
// when there is one.
// Before packaging, `vsce ls` must list exactly the expected files (no stray file, none missing);
// after, the .vsix is opened and its file list and target platform checked.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, openSync, readSync, closeSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ELF_MACHINE, expectedFiles, packagedName, vsixName } from './vsix-files.mjs';

const ext = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = resolve(ext, '..', '..');
const pkg = JSON.parse(execFileSync('node', ['-p', 'JSON.stringify(require("./package.json"))'], { cwd: ext, encoding: 'utf8' }));

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const local = args.includes('--local');
const target = local ? undefined : opt('--target');
if (!local && !['linux-x64', 'linux-arm64', 'universal'].includes(target ?? '')) {
  console.error('usage: package.mjs --target linux-x64|linux-arm64|universal [--binary PATH] [--out FILE] | --local');
  process.exit(2);
}
const out = resolve(opt('--out') ?? join(ext, local ? 'mantile.vsix' : vsixName(pkg.version, target)));
const fail = (msg) => {
  console.error(`package: ${msg}`);
  process.exit(1);
};
const vsce = join(ext, 'node_modules', '.bin', 'vsce');
const mib = (n) => (n / 1048576).toFixed(1) + ' MiB';

/** The e_machine field of an ELF file, or undefined when it is not one. */
function elfMachine(file) {
  const fd = openSync(file, 'r');
  const b = Buffer.alloc(20);
  readSync(fd, b, 0, 20, 0);
  closeSync(fd);
  if (b.readUInt32BE(0) !== 0x7f454c46) return undefined;
  return b.readUInt16LE(18);
}

// 1. The client bundle (minified) and the schema.
execFileSync('node', [join(ext, 'scripts', 'build.mjs'), '--production'], { stdio: 'inherit' });

// 2. The server binary, for a platform package.
const serverDir = join(ext, 'server');
rmSync(serverDir, { recursive: true, force: true });
let binary = opt('--binary');
if (local && !binary) {
  const exe = process.platform === 'win32' ? 'mantile-lsp.exe' : 'mantile-lsp';
  binary = [
    process.env.MANTILE_LSP_BINARY,
    process.env.CARGO_TARGET_DIR && join(resolve(repo, process.env.CARGO_TARGET_DIR), 'release', exe),
    join(repo, 'target', 'release', exe),
  ].find((p) => p && existsSync(p) && statSync(p).isFile());
  if (!binary) console.warn('package: no mantile-lsp binary found; the .vsix will use mantile.server.path or PATH (cargo build --release -p mantile-lsp first)');
}
if (target === 'universal' && binary) fail('the universal package carries no binary (it uses mantile-lsp from PATH)');
if ((target === 'linux-x64' || target === 'linux-arm64') && !binary) fail(`--binary PATH is needed for ${target}`);
let withServer = false;
if (binary) {
  if (!existsSync(binary) || !statSync(binary).isFile()) fail(`${binary} is not a file`);
  const machine = process.platform === 'win32' && local ? undefined : elfMachine(binary);
  if (target && machine !== ELF_MACHINE[target]) {
    fail(`${binary} is not a Linux executable for ${target} (ELF machine ${machine ?? 'none'}, expected ${ELF_MACHINE[target]})`);
  }
  mkdirSync(serverDir, { recursive: true });
  const exe = process.platform === 'win32' && local ? 'mantile-lsp.exe' : 'mantile-lsp';
  const dest = join(serverDir, exe);
  copyFileSync(binary, dest);
  chmodSync(dest, 0o755);
  // Release builds keep line tables for profiling; the packaged copy does not need them.
  const strip = target === 'linux-arm64' ? 'aarch64-linux-gnu-strip' : 'strip';
  const stripped = spawnSync(strip, ['--strip-debug', dest]).status === 0;
  if (!stripped && target) fail(`${strip} --strip-debug failed (apt-get install binutils${target === 'linux-arm64' ? '-aarch64-linux-gnu' : ''})`);
  console.log(`package: ${binary} (${mib(statSync(binary).size)}) -> server/${exe}${stripped ? ` (${mib(statSync(dest).size)} stripped)` : ''}`);
  withServer = true;
}

// 3. Exactly the expected files.
const listed = execFileSync(vsce, ['ls', '--no-dependencies'], { cwd: ext, encoding: 'utf8' })
  .split('\n')
  .map((l) => l.trim().replace(/\\/g, '/'))
  .filter(Boolean)
  .sort();
const expected = expectedFiles(withServer).sort();
const stray = listed.filter((f) => !expected.includes(f));
const missing = expected.filter((f) => !listed.includes(f));
if (stray.length || missing.length) {
  fail(`vsce ls differs from the expected files:${stray.map((f) => `\n  stray: ${f}`).join('')}${missing.map((f) => `\n  missing: ${f}`).join('')}`);
}

// 4. Package.
const vsceArgs = ['package', '--no-dependencies', '--allow-missing-repository', '-o', out];
if (target && target !== 'universal') vsceArgs.push('--target', target);
mkdirSync(dirname(out), { recursive: true });
rmSync(out, { force: true });
if (spawnSync(vsce, vsceArgs, { cwd: ext, stdio: ['ignore', 'ignore', 'inherit'] }).status !== 0) fail(`vsce package failed for ${out}`);

// 5. What is inside: the files above (under extension/), and the target platform in the manifest.
const inside = execFileSync('unzip', ['-Z1', out], { encoding: 'utf8' })
  .split('\n')
  .filter((l) => l.startsWith('extension/'))
  .map((l) => l.slice('extension/'.length))
  .sort();
const packaged = expected.map(packagedName).sort();
if (inside.join('\n') !== packaged.join('\n')) fail(`${out} holds ${inside.join(', ')}; expected ${packaged.join(', ')}`);
const manifest = execFileSync('unzip', ['-p', out, 'extension.vsixmanifest'], { encoding: 'utf8' });
const platform = /TargetPlatform="([^"]+)"/.exec(manifest)?.[1];
if ((target && target !== 'universal' ? target : undefined) !== platform) fail(`${out}: target platform ${platform ?? 'none'}, expected ${target}`);
console.log(`package: ${out} (${mib(statSync(out).size)}${platform ? `, ${platform}` : local ? ', no target platform (local)' : ', universal'}): ${inside.join(', ')}`);
