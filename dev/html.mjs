// HTML escaping and the one page layout shared by the dev IdP and the demo origin.

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A complete, self-contained HTML document (no external fonts, scripts or styles):
 * `style` goes into its `<style>`, `body` (HTML) into `<body>`, `head` (HTML) before the style.
 */
export function htmlDocument(title, style, body, head = '') {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
${head}<style>${style}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

const PAGE_STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }
  h1 { font-size: 1.5rem; }
  label { display: block; margin-top: .75rem; font-weight: 600; }
  input { font: inherit; padding: .4rem; width: 100%; max-width: 22rem; box-sizing: border-box; }
  button { font: inherit; margin-top: 1rem; padding: .4rem 1rem; cursor: pointer; }
  table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
  th, td { border: 1px solid #bbb; padding: .3rem .5rem; text-align: left; vertical-align: top; word-break: break-all; }
  .error { color: #a00000; font-weight: 600; }
  .ok { color: #006100; font-weight: 600; }
  .note { color: #555; font-size: .9rem; }
`;

/** The dev IdP's page: `body` (HTML) in a plain, readable layout. */
export function page(title, body) {
  return htmlDocument(title, PAGE_STYLE, `<main>\n${body}\n</main>`);
}
