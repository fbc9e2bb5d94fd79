// The status bar item's text and tooltip for the server's state and the Hub mode. Pure.

export type ServerState = 'starting' | 'ready' | 'error' | 'stopped';

export interface StatusView {
  text: string;
  tooltip: string;
  isError: boolean;
}

export function statusView(
  state: ServerState,
  hub: 'live' | 'cached',
  detail?: string,
): StatusView {
  const icon = { starting: '$(sync~spin)', ready: '$(check)', error: '$(error)', stopped: '$(circle-slash)' }[state];
  const hubText = hub === 'live' ? 'Hub live' : 'Hub cached';
  const hubTip =
    hub === 'live'
      ? 'Hugging Face metadata: live (asked from the Hub, cached for 7 days)'
      : 'Hugging Face metadata: cached only (offline: mantile.hub.offline or HF_HUB_OFFLINE)';
  const stateTip = {
    starting: 'mantile-lsp is starting…',
    ready: 'mantile-lsp is running',
    error: 'mantile-lsp is not running',
    stopped: 'mantile-lsp is stopped',
  }[state];
  const lines = [stateTip + (detail ? `: ${detail}` : ''), hubTip, 'Click to show the Mantile output'];
  return { text: `${icon} Mantile · ${hubText}`, tooltip: lines.join('\n'), isError: state === 'error' };
}
