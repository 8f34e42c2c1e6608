// The page around the canvas: checks for WebGL2, starts zablab.wasm with the address's state,
// and wires the HTML controls (source, seed, file picker and drop, .scn editor, download, link)
// to the functions web/page_api.cpp exports. window.zablab is what tests/web drives.
'use strict';

const $ = (id) => document.getElementById(id);
// Milliseconds since the page began loading: the wasm compiled and its files in memory
// (runtimeReadyMs), the first frame drawn (firstFrameMs). tests/web reports them.
const timing = { runtimeReadyMs: null, firstFrameMs: null, lastOpen: null };

function showMessage(text) {
  $('message-text').textContent = text;
  $('message').hidden = !text;
}
$('message-close').onclick = () => showMessage('');

// The keys typed into the page's own fields must not also reach the visualizer: emscripten's GLFW
// listens on the window in the capture phase (Space would start the run). A capture listener on
// the window registered before it (this script runs before zablab.js) stops them there; typing
// itself is the default action and still happens.
for (const type of ['keydown', 'keyup', 'keypress'])
  window.addEventListener(type, (e) => {
    if (e.target instanceof Element && e.target.matches('input, textarea, select')) e.stopImmediatePropagation();
  }, true);
// After a button or a menu choice the keys go back to the visualizer (Space on a focused button
// would press it again).
const backToCanvas = () => $('canvas').focus();
for (const button of document.querySelectorAll('#toolbar button'))
  if (button.id !== 'edit') button.addEventListener('click', backToCanvas);

function hasWebGL2() {
  try {
    return !!document.createElement('canvas').getContext('webgl2');
  } catch (e) {
    return false;
  }
}

// Set at the first frame: before it, the simulator cannot take calls yet.
let ready = false;
const notReady = 'the simulator is still loading; try again in a moment';
const call = (name, ...args) => ready ? Module.ccall(name, 'string', args.map(() => 'string'), args) : notReady;
const state = () => ready ? JSON.parse(call('zablab_state')) : { link: '', frames: 0 };

// --- the address keeps the state -------------------------------------------------------------
let lastFragment = location.hash.slice(1);
let shownLink = null;
function syncAddress() {
  const link = state().link;
  if (link !== shownLink) {
    shownLink = link;
    showLinkInControls(link);
  }
  if (link === lastFragment) return;
  lastFragment = link;
  history.replaceState(null, '', link ? '#' + link : location.pathname + location.search);
}
window.addEventListener('hashchange', () => {
  const fragment = location.hash.slice(1);
  if (fragment === lastFragment) return;
  lastFragment = fragment;
  const why = call('zablab_open_link', fragment);
  showMessage(why ? 'cannot open the link: ' + why : '');
});

// --- sources -----------------------------------------------------------------------------------
// The toolbar shows the source and seed the address names (whichever menu opened it).
function showLinkInControls(link) {
  const fields = new URLSearchParams(link);
  const source = fields.has('scenario') ? 'scenario=' + fields.get('scenario')
               : fields.has('live') ? 'live=' + fields.get('live') +
                 (fields.has('observers') ? '&observers=' + fields.get('observers') : '') : '';
  const select = $('source');
  select.value = [...select.options].some((o) => o.value === source) ? source : '';
  if (document.activeElement !== $('seed')) $('seed').value = fields.get('seed') || '';
}
function fillSources() {
  const select = $('source');
  const add = (value, text) => select.add(new Option(text, value));
  add('', '—');
  for (const n of [3, 5, 7]) add('live=' + n, 'live ensemble of ' + n);
  add('live=3&observers=1', 'live ensemble of 3 + 1 observer');
  const names = Module.FS.readdir('/scenarios').filter((f) => f.endsWith('.scn')).map((f) => f.slice(0, -4)).sort();
  for (const name of names) add('scenario=' + name, name);
  showLinkInControls(state().link);
}
function openSelected() {
  const value = $('source').value;
  if (!value) return;
  const seed = $('seed').value.trim();
  const why = call('zablab_open_link', value + (seed ? '&seed=' + seed : ''));
  showMessage(why ? 'cannot open ' + value + ': ' + why : '');
  loadEditorFromScenario();
}
$('source').onchange = () => { openSelected(); backToCanvas(); };
$('seed').onchange = openSelected;

// A file from the computer: into the page's file system, then opened by content.
let uploads = 0;
async function openFile(file) {
  if (!ready) {
    showMessage(notReady);
    return notReady;
  }
  const t0 = performance.now();
  const bytes = new Uint8Array(await file.arrayBuffer());
  const t1 = performance.now();
  const safe = file.name.replace(/[^A-Za-z0-9._-]/g, '_') || 'file';
  try { Module.FS.mkdir('/uploads'); } catch (e) { /* already there */ }
  const path = '/uploads/' + (++uploads) + '-' + safe;  // never the name of the file being replayed
  Module.FS.writeFile(path, bytes, { canOwn: true });  // the file system keeps `bytes`: no second copy
  const t2 = performance.now();
  const why = call('zablab_open_file', path, file.name).split(path + ': ').join('').split(path).join(file.name);
  // Where opening a file goes (tests/web's --bench-trace prints it): reading it from the
  // computer, copying it into the page's file system, opening it (its first records indexed).
  timing.lastOpen = { readMs: t1 - t0, copyMs: t2 - t1, openMs: performance.now() - t2 };
  showMessage(why ? 'cannot open ' + file.name + ': ' + why : '');
  // Keep in memory only the file the view replays (a trace.db is read as the view goes).
  if (why) Module.FS.unlink(path);
  else
    for (const other of Module.FS.readdir('/uploads'))
      if (other !== '.' && other !== '..' && '/uploads/' + other !== path) Module.FS.unlink('/uploads/' + other);
  if (!why) {
    $('source').value = '';
    if (file.name.endsWith('.scn')) $('scn').value = new TextDecoder().decode(bytes);
  }
  return why;
}
$('open-file').onclick = () => $('file').click();
$('file').onchange = () => { if ($('file').files[0]) openFile($('file').files[0]); $('file').value = ''; };
let dragDepth = 0;
window.addEventListener('dragenter', (e) => { e.preventDefault(); dragDepth++; $('drop').hidden = false; });
window.addEventListener('dragleave', () => { if (--dragDepth <= 0) { dragDepth = 0; $('drop').hidden = true; } });
window.addEventListener('dragover', (e) => e.preventDefault());
window.addEventListener('drop', (e) => {
  e.preventDefault();
  dragDepth = 0;
  $('drop').hidden = true;
  if (e.dataTransfer.files[0]) openFile(e.dataTransfer.files[0]);
});

// --- the .scn editor ---------------------------------------------------------------------------
function loadEditorFromScenario() {
  const m = /^scenario=([A-Za-z0-9_-]+)/.exec(state().link);
  if (m) $('scn').value = Module.FS.readFile('/scenarios/' + m[1] + '.scn', { encoding: 'utf8' });
}
function runEditor() {
  const why = call('zablab_run_scenario_text', $('scn').value);
  $('scn-error').textContent = why;
  if (!why) {
    $('source').value = '';
    backToCanvas();  // to step through the run; on errors the text keeps the keys
  }
  return why;
}
$('run-scn').onclick = runEditor;
// A click on an error ("editor.scn:LINE:COLUMN: ...") puts the text cursor there.
$('scn-error').onclick = () => {
  const text = $('scn-error').textContent;
  const before = text.slice(0, Math.max(0, text.lastIndexOf('\n', window.getSelection().anchorOffset - 1) + 1));
  const m = /editor\.scn:(\d+):(\d+)/.exec(text.slice(before.length));
  if (!m) return;
  const lines = $('scn').value.split('\n');
  let offset = 0;
  for (let i = 0; i < Number(m[1]) - 1 && i < lines.length; i++) offset += lines[i].length + 1;
  offset += Number(m[2]) - 1;
  $('scn').focus();
  $('scn').setSelectionRange(offset, offset);
};
$('edit').onclick = () => {
  const editor = $('editor');
  editor.hidden = !editor.hidden;
  $('edit').setAttribute('aria-expanded', String(!editor.hidden));
  if (!editor.hidden && !$('scn').value) loadEditorFromScenario();
  if (editor.hidden) backToCanvas();
  else $('scn').focus();
};

// --- download and link -------------------------------------------------------------------------
$('download').onclick = () => {
  const why = call('zablab_download_recording', 'zablab-session.db');
  showMessage(why ? 'cannot record: ' + why : '');
};
$('copy-link').onclick = async () => {
  syncAddress();
  try {
    await navigator.clipboard.writeText(location.href);
    showMessage('');
  } catch (e) {
    showMessage('the link: ' + location.href);
  }
};

// The canvas's pixels: its CSS size times devicePixelRatio, so a HiDPI screen (or a zoomed page)
// gets one canvas pixel per screen pixel, not a blurry upscale; the visualizer lays out in CSS
// pixels and draws at that ratio (gui/app/window.h, set_pixel_ratio).
const backingSize = (css) => Math.max(1, Math.round(css * (window.devicePixelRatio || 1)));
function resizeCanvas() {
  if (!window.Module || !Module.setCanvasSize) return;
  const stage = $('stage');
  Module.setCanvasSize(backingSize(stage.clientWidth), backingSize(stage.clientHeight));
}
// The stage changes size with the window, the editor and the message bar alike; the ratio changes
// when the window moves to another screen.
new ResizeObserver(resizeCanvas).observe($('stage'));
(function watchPixelRatio() {
  matchMedia('(resolution: ' + (window.devicePixelRatio || 1) + 'dppx)').addEventListener('change', () => {
    resizeCanvas();
    watchPixelRatio();
  }, { once: true });
})();

// --- start -------------------------------------------------------------------------------------
var Module = {
  canvas: $('canvas'),
  arguments: [location.hash.slice(1)],
  print: (text) => console.log(text),
  printErr: (text) => console.warn(text),
  onAbort: (what) => showMessage('zablab stopped (' + what + '). Reload the page to start again.'),
  onRuntimeInitialized: () => { timing.runtimeReadyMs = performance.now(); },
  zablabMessage: showMessage,
  zablabFirstFrame: () => {
    ready = true;
    timing.firstFrameMs = performance.now();
    $('loading').hidden = true;
    fillSources();
    resizeCanvas();
    setInterval(syncAddress, 300);
  },
  zablabDownload: (path, name) => {
    const data = Module.FS.readFile(path);
    Module.FS.unlink(path);
    const url = URL.createObjectURL(new Blob([data], { type: 'application/vnd.sqlite3' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  },
};

// What tests/web/page_test.py (and a curious student in the console) can call.
window.zablab = { state, openFile, runEditor, timing, openLink: (f) => call('zablab_open_link', f) };

if (!hasWebGL2()) {
  $('loading').hidden = true;
  showMessage('This page draws with WebGL2, which this browser does not offer (or has switched off). ' +
              'Try a current Firefox, Chromium or Safari, or the desktop zablab-viz (README.md).');
} else {
  const stage = $('stage');
  $('canvas').width = backingSize(stage.clientWidth);
  $('canvas').height = backingSize(stage.clientHeight);
  const script = document.createElement('script');
  script.src = 'zablab.js';
  script.onerror = () => showMessage('cannot load zablab.js: was the page built (scripts/build-web)?');
  document.body.appendChild(script);
}
