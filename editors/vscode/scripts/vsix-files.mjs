// What a .vsix of this extension holds, and nothing else (scripts/package.mjs checks `vsce ls`
// and the packaged file against it).

/** The files of the package, relative to the extension folder; server/ only in a platform package. */
export function expectedFiles(withServer) {
  return [
    'package.json',
    'README.md',
    'CHANGELOG.md',
    'LICENSE',
    'images/icon.png',
    'dist/extension.js',
    'schemas/model-config.schema.json',
    ...(withServer ? ['server/mantile-lsp'] : []),
  ];
}

/** ELF e_machine of the binary each platform package carries. */
export const ELF_MACHINE = { 'linux-x64': 0x3e, 'linux-arm64': 0xb7 };

/** mantile-linux-x64-0.1.0.vsix, mantile-0.1.0.vsix (universal). */
export function vsixName(version, target) {
  return target && target !== 'universal' ? `mantile-${target}-${version}.vsix` : `mantile-${version}.vsix`;
}

/** The name vsce gives a file inside the .vsix (it renames the readme, changelog and licence). */
export function packagedName(file) {
  return { 'README.md': 'readme.md', 'CHANGELOG.md': 'changelog.md', LICENSE: 'LICENSE.txt' }[file] ?? file;
}
