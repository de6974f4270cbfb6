/** One self-contained HTML file for a run: no network (a CSP forbids it), the data embedded. */
import { CLIENT_SCRIPT } from './client.js';
import type { ReportModel } from './model.js';

const CSS = `
body{font:13px/1.4 system-ui,sans-serif;margin:0 24px 40px;color:#1d2330;background:#fafbfc}
h1{font-size:20px;margin:18px 0 4px}h2{font-size:16px;margin:26px 0 8px;border-bottom:1px solid #dde}
h3.play{font-size:14px;margin:14px 0 4px}.small{color:#667;font-weight:normal;font-size:12px}
.pill,.state{display:inline-block;padding:1px 8px;border-radius:9px;background:#eef;margin:4px 2px 0 0}
.state{font-weight:bold;color:#fff}.state.s-ok{background:#2a8a3e}.state.s-failed,.state.s-unreachable{background:#c0392b}.state.s-interrupted{background:#8e44ad}
.stop{background:#fdecea;border-left:4px solid #c0392b;padding:8px 12px;margin:8px 0;font-weight:bold}.stop .small{font-weight:normal}
.warn{color:#8a5a00}
.batch{margin:6px 0 10px;border-left:3px solid #c9d3e6;padding-left:6px;content-visibility:auto;contain-intrinsic-size:auto 300px}
.row{display:flex;height:14px;align-items:center}.row.head{height:18px;font-weight:bold}
.name{width:180px;flex:none;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-size:11px}
.track{position:relative;flex:1;height:100%;background:#f0f2f6}
.seg{position:absolute;top:2px;bottom:2px;min-width:1px;overflow:hidden;white-space:nowrap;font-size:10px;line-height:14px}
.seg.task{top:0;bottom:0;background:#dfe6f3;border-right:1px solid #fff;color:#223;padding-left:2px}.seg.task.bad{background:#f6c7c1}
.s-ok{background:#4caf50}.s-changed{background:#f0a30a}.s-failed{background:#e53935}.s-unreachable{background:#8e0000}.s-skipped{background:#90a4ae}.s-ignored{background:#ab47bc}
.pill.s-ok,.pill.s-changed,.pill.s-failed,.pill.s-unreachable,.pill.s-skipped{color:#fff}
table{border-collapse:collapse}th,td{padding:1px 6px;text-align:left;vertical-align:top}
.tname{font-weight:normal;white-space:nowrap;max-width:420px;overflow:hidden;text-overflow:ellipsis;font-size:12px}
.cells{line-height:0;white-space:nowrap}.cells i{display:inline-block;width:7px;height:12px;margin:0 1px 1px 0}.cells i.none{background:#eceff3}
.recap td{text-align:right}.recap td.nz{font-weight:bold}
.s-ok-text{color:#2a8a3e}.s-changed-text{color:#b07400}.s-failed-text,.s-unreachable-text{color:#c0392b}
.failure{background:#fff;border:1px solid #e6e8ee;border-left:4px solid #e53935;padding:6px 10px;margin:6px 0}
pre{background:#f4f5f8;padding:6px 8px;overflow:auto;max-height:400px;margin:4px 0;font-size:12px}
.diff summary{cursor:pointer}.da{color:#1b7f2a}.dd{color:#b3261e}.dk{color:#0b6e99}.dh{color:#555;font-weight:bold}
#scroll{overflow-x:auto}
`;

/** JSON that is safe inside a <script> element. */
function embed(model: ReportModel): string {
  return JSON.stringify(model).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export function renderReport(model: ReportModel): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>orchestrate run: ${esc(model.file)}</title>
<style>${CSS}</style></head>
<body>
<h1>orchestrate run report</h1>
<div id="summary"></div>
<div id="stops"></div>
<div id="warnings"></div>
<h2>Timeline</h2>
<p class="small">One row per host, grouped by play and batch; the top row of each batch shows its tasks. Green ok, amber changed, red failed, dark red unreachable, grey skipped. Hover for names and times.</p>
<div id="timeline"></div>
<h2>Tasks × hosts</h2>
<div id="scroll"><div id="matrix"></div></div>
<h2>Failures</h2>
<div id="failures"></div>
<h2>Diffs and output</h2>
<div id="diffs"></div>
<h2>PLAY RECAP</h2>
<div id="recap"></div>
<noscript>This report draws itself with JavaScript; the data is in the script element "model".</noscript>
<script type="application/json" id="model">${embed(model)}</script>
<script>${CLIENT_SCRIPT}</script>
</body></html>
`;
}
