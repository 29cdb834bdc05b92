/** A link that saves text the page already holds as a file (no second request, so the file is what was checked). */
export function DownloadLink({ name, text, type = 'text/plain' }: { name: string; text: string; type?: string }) {
  const save = () => {
    const url = URL.createObjectURL(new Blob([text], { type }));
    const anchor = document.createElement('a');
    anchor.href = url;
    anchor.download = name;
    anchor.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  return (
    <button type="button" className="secondary" onClick={save}>
      Download {name}
    </button>
  );
}
