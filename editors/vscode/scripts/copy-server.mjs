// Copies a built mantile-lsp into server/ so that the .vsix carries it (the extension prefers
// mantile.server.path, then this binary, then mantile-lsp on PATH). Looks in $MANTILE_LSP_BINARY,
// $CARGO_TARGET_DIR/release, then the repository's target/release. Packaging without a binary
// is allowed (the .vsix then relies on the setting or PATH) and says so.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ext = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = resolve(ext, '..', '..');
const exe = process.platform === 'win32' ? 'mantile-lsp.exe' : 'mantile-lsp';
const candidates = [
  process.env.MANTILE_LSP_BINARY,
  process.env.CARGO_TARGET_DIR && join(resolve(repo, process.env.CARGO_TARGET_DIR), 'release', exe),
  join(repo, 'target', 'release', exe),
].filter(Boolean);

const serverDir = join(ext, 'server');
rmSync(serverDir, { recursive: true, force: true });
const found = candidates.find((p) => existsSync(p) && statSync(p).isFile());
if (!found) {
  console.warn(
    `copy-server: no mantile-lsp binary found (looked at ${candidates.join(', ')}); ` +
      'the .vsix will use mantile.server.path or mantile-lsp on PATH. ' +
      'Build one first with: cargo build --release -p mantile-lsp',
  );
} else {
  mkdirSync(serverDir, { recursive: true });
  copyFileSync(found, join(serverDir, exe));
  const dest = join(serverDir, exe);
  chmodSync(dest, 0o755);
  // Release builds carry debug info (the workspace profile keeps it for profiling); the copy
  // in the .vsix does not need it. Without a strip tool the binary ships as it is.
  const stripped = process.platform !== 'win32' && spawnSync('strip', ['--strip-debug', dest]).status === 0;
  const mb = (n) => (n / 1048576).toFixed(1) + ' MiB';
  console.log(
    `copy-server: ${found} (${mb(statSync(found).size)}) -> server/${exe}` +
      (stripped ? ` (${mb(statSync(dest).size)} without debug info)` : ''),
  );
}
