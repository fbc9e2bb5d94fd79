-- User commands for Mantile workspaces (see lua/mantile/init.lua):
--   :MantileCheck [PATH]    mantile-lsp check on the workspace (or PATH); findings in the quickfix list
--   :MantileNew[!] ORG/NAME  a config generated from the model's Hugging Face metadata, then opened
if vim.g.loaded_mantile then return end
vim.g.loaded_mantile = true

vim.api.nvim_create_user_command('MantileCheck', function(o)
  require('mantile').check(o.args)
end, { nargs = '?', complete = 'file', desc = 'mantile-lsp check: findings in the quickfix list' })

vim.api.nvim_create_user_command('MantileNew', function(o)
  require('mantile').new(o.args, o.bang)
end, { nargs = 1, bang = true, desc = 'mantile-lsp new ORG/NAME: a config from Hugging Face metadata' })
