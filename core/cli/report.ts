/**
 * `quotebench report RUN_ID [RUN_ID …] --out DIR [--pdf] [--data-dir DIR]`
 *
 * Builds the tear sheet of one stored run, or the comparison of several, from the run store of the
 * data directory (core/report, docs/reports.md) and writes it as one self-contained HTML file in DIR:
 * `report-<id>.html` for one run, `compare-<id8>-<id8>….html` for several (ids shortened to 8
 * characters). With --pdf it also prints that file to PDF next to it with Debian's Chromium.
 * Everything is checked before anything is written: usage (exit 2 naming the option), the run ids
 * (an unknown one is named, exit 2), the output directory, and Chromium when --pdf is given. Files are
 * written to a temporary name and renamed, so an interrupted report leaves no half-written file.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError, UserError, cliDataDir, parseWithPositionals } from './args';
import { REPORT_OPTIONS } from './commands';
import { openStore } from '../store/db';
import { loadReport, reportBaseName, ReportError } from '../report/model';

export { reportBaseName };
import { renderReportHtml } from '../report/html';
import { chromiumPath, printHtmlToPdf } from '../report/pdf';

export async function reportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseWithPositionals(args, REPORT_OPTIONS, true);
  if (positionals.length === 0) throw new UsageError('expected at least one RUN_ID');
  if (values.out === undefined) throw new UsageError('--out DIR is required');
  const ids = [...new Set(positionals)];
  const outDir = resolve(values.out);
  const st = statSync(outDir, { throwIfNoEntry: false });
  if (st !== undefined && !st.isDirectory()) throw new UserError(`--out ${values.out} is not a directory`);
  if (values.pdf === true && !existsSync(chromiumPath()))
    throw new UserError(
      `--pdf needs Chromium at ${chromiumPath()}: install Debian's chromium (apt-get install chromium) or set QUOTEBENCH_CHROMIUM`,
    );
  const dataDir = cliDataDir(values['data-dir']);
  if (!existsSync(dataDir))
    throw new UserError(`--data-dir ${dataDir} does not exist (no runs stored there)`);

  const store = openStore(dataDir);
  let html: string;
  try {
    let model;
    try {
      model = loadReport(store, ids, { dataDir });
    } catch (e) {
      if (e instanceof ReportError) throw new UserError(e.message);
      throw e;
    }
    html = renderReportHtml(model);
  } finally {
    store.close();
  }

  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, reportBaseName(ids));
  const htmlFile = `${base}.html`;
  writeAtomic(htmlFile, html);
  process.stdout.write(`wrote ${htmlFile}\n`);
  if (values.pdf === true) {
    const pdfFile = `${base}.pdf`;
    const tmp = `${base}.${process.pid}.tmp.pdf`;
    try {
      const { otherRequests } = await printHtmlToPdf(htmlFile, tmp);
      if (otherRequests.length > 0)
        throw new Error(
          `the report asked for ${otherRequests.length} external resource(s): ${otherRequests[0]}`,
        );
      renameSync(tmp, pdfFile);
    } finally {
      rmSync(tmp, { force: true });
    }
    process.stdout.write(`wrote ${pdfFile}\n`);
  }
  return 0;
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
