-- mantile-lsp for Neovim 0.11+ (vim.lsp.config / vim.lsp.enable).
--
-- Put this folder on the runtimepath (or copy this file to ~/.config/nvim/lsp/mantile.lua)
-- and enable it:
--
--   vim.opt.runtimepath:append('/path/to/mantile-lsp/editors/neovim')
--   vim.lsp.enable('mantile')
--
-- The server attaches only inside a Mantile workspace: a folder, at or above the file,
-- that holds backend/data/model_configs or tests/ (with model_builder/ or backend/ beside it).
return {
  cmd = { 'mantile-lsp' },
  filetypes = { 'json', 'markdown' },
  root_dir = function(bufnr, on_dir)
    local root = vim.fs.root(bufnr, { 'model_builder', 'backend' })
    if root and (vim.uv.fs_stat(root .. '/backend/data/model_configs') or vim.uv.fs_stat(root .. '/tests')) then
      on_dir(root)
    end
  end,
  -- Settings the server reads (initialization options and workspace/configuration "mantile").
  settings = {
    mantile = {
      logLevel = 'info',
      -- rules = { MC064 = 'off', ['parameter-count'] = 'warning' },
    },
  },
}
