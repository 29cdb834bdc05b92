/** Saves text the page already holds as a file (no second request, so the file is what was checked or shown). */
export function saveFile(name: string, text: string, type = 'text/plain'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = name;
  anchor.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function DownloadLink({ name, text, type = 'text/plain' }: { name: string; text: string; type?: string }) {
  return (
    <button type="button" className="secondary" onClick={() => saveFile(name, text, type)}>
      Download {name}
    </button>
  );
}
