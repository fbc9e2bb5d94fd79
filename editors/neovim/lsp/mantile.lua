-- mantile-lsp for Neovim 0.11+ (vim.lsp.config / vim.lsp.enable).
--
-- Put this folder on the runtimepath (or copy this file to ~/.config/nvim/lsp/mantile.lua, and
-- lua/mantile/ beside it for :checkhealth mantile and the commands) and enable it:
--
--   vim.opt.runtimepath:append('/path/to/mantile-lsp/editors/neovim')
--   vim.lsp.enable('mantile')
--
-- The server attaches to Mantile files only: model configs (backend/data/model_configs/*.json),
-- test specs (tests/*_tests.md) and gap reports (model_builder/gaps/*.md); the workspace root is
-- the folder that holds them. Other JSON and Markdown files are left alone.
local function classify(path)
  local ok, mantile = pcall(require, 'mantile')
  if ok then return mantile.classify(path) end
  -- This file copied alone: the same three patterns.
  path = vim.fs.normalize(path)
  for _, p in ipairs({
    '^(.*)/backend/data/model_configs/[^/]+%.json$',
    '^(.*)/tests/[^/]+_tests%.md$',
    '^(.*)/model_builder/gaps/[^/]+%.md$',
  }) do
    local root = path:match(p)
    if root and not (p:find('gaps') and vim.fs.basename(path):lower() == 'readme.md') then
      return 'file', root == '' and '/' or root
    end
  end
end

return {
  cmd = { 'mantile-lsp' },
  filetypes = { 'json', 'jsonc', 'markdown' },
  root_dir = function(bufnr, on_dir)
    local _, root = classify(vim.api.nvim_buf_get_name(bufnr))
    if root then on_dir(root) end
  end,
  -- Settings the server reads (initialization options and workspace/configuration "mantile").
  settings = {
    mantile = {
      logLevel = 'info',
      -- rules = { MC064 = 'off', ['parameter-count'] = 'warning' },
      -- hub = { offline = true },
    },
  },
}
