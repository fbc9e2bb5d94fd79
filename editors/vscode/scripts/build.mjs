// Bundles the extension with esbuild and copies the config schema into the extension.
//   node scripts/build.mjs               development build (dist/extension.js, with source maps)
//   node scripts/build.mjs --production  minified build for the .vsix
//   node scripts/build.mjs --tests       also bundles src/test/*.test.ts into out-test/ for `node --test`
//   node scripts/build.mjs --watch       rebuild on change
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const ext = resolve(here, '..');
const repo = resolve(ext, '..', '..');
const args = new Set(process.argv.slice(2));
const production = args.has('--production');

// The schema lives once in the repository (schemas/); the extension ships a copy made here.
mkdirSync(join(ext, 'schemas'), { recursive: true });
copyFileSync(join(repo, 'schemas', 'model-config.schema.json'), join(ext, 'schemas', 'model-config.schema.json'));

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  logLevel: 'warning',
};

const extension = {
  ...common,
  entryPoints: [join(ext, 'src', 'extension.ts')],
  outfile: join(ext, 'dist', 'extension.js'),
  external: ['vscode'],
  minify: production,
  sourcemap: !production,
};

if (args.has('--watch')) {
  const ctx = await esbuild.context(extension);
  await ctx.watch();
  console.log('watching src/ …');
} else {
  await esbuild.build(extension);
  if (args.has('--tests')) {
    const dir = join(ext, 'src', 'test');
    rmSync(join(ext, 'out-test'), { recursive: true, force: true });
    await esbuild.build({
      ...common,
      entryPoints: readdirSync(dir).filter((f) => f.endsWith('.test.ts')).map((f) => join(dir, f)),
      outdir: join(ext, 'out-test'),
      // The unit tests cover the pure modules only; importing vscode there is a mistake.
      external: ['vscode', 'node:*'],
      sourcemap: 'inline',
    });
  }
}
