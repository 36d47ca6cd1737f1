/** The files an index left out, folded away behind their count: each with why and the details. */
import type { SkippedFile } from '../../../../shared/indexes';
import { skipReasonInWords, skippedCountInWords } from '../../format/index-words';

export function SkippedFiles({ name, files }: { name: string; files: SkippedFile[] }) {
  if (files.length === 0) return null;
  return (
    <details className="index-skipped">
      <summary className="small" data-field="skipped">
        {skippedCountInWords(files.length)}
      </summary>
      <table className="table table--compact" aria-label={`Files skipped by ${name}`}>
        <thead>
          <tr>
            <th>File</th>
            <th>Why</th>
            <th className="col--optional">Details</th>
          </tr>
        </thead>
        <tbody>
          {files.map((file) => (
            <tr key={file.path} data-skip-reason={file.reason}>
              <td className="mono small index-skipped__path">{file.path}</td>
              <td className="small">{skipReasonInWords(file.reason)}</td>
              <td className="muted small col--optional">{file.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
