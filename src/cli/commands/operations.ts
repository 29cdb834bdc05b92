import { Command } from 'commander';
import { DEFAULT_ADMIN_EMAIL } from '../../domain/auth/password-policy.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { deploymentFiles } from '../../operations/deployment.js';
import { DASHBOARDS, dashboardJson } from '../../operations/grafana-dashboards.js';
import { formatDoctorTable, runDoctor } from '../../operations/doctor.js';
import { DemoFailed, runDemo } from '../demo.js';
import { configOrExit } from '../with-platform.js';

/** Demo, doctor, deployment and grafana: running and watching a deployment. */
export function registerOperationsCommands(program: Command): void {
  program
    .command('demo')
    .description(
      'walk the governance loop on a running stack (acgs up): council, amendment, votes, synthesis, verification, second approval, enforcement, receipt',
    )
    .option('--admin-email <email>', 'the bootstrap admin (ACGS_ADMIN_EMAIL)')
    .action(async (options: { adminEmail?: string }) => {
      const config = configOrExit();
      const password = process.env['ACGS_ADMIN_PASSWORD'];
      if (password === undefined || password === '') {
        console.error('set ACGS_ADMIN_PASSWORD to the admin password acgs up printed (or was started with)');
        process.exit(2);
      }
      try {
        await runDemo({
          urls: config.serviceUrls,
          adminEmail: options.adminEmail ?? config.bootstrapAdmin.email ?? DEFAULT_ADMIN_EMAIL,
          adminPassword: password,
          say: (line) => console.log(line),
        });
      } catch (error) {
        if (!(error instanceof DemoFailed) && !(error instanceof TypeError)) throw error;
        console.error(`demo stopped: ${error.message}${error instanceof TypeError ? ' (is acgs up running?)' : ''}`);
        process.exitCode = 1;
      }
    });
  program
    .command('doctor')
    .description("run the operations guide's diagnostics: a table of check, status and fix; exit 1 on any failure")
    .option('--json', 'print the checks as JSON')
    .action(async (options: { json?: boolean }) => {
      const checks = await runDoctor(configOrExit());
      process.stdout.write(
        options.json === true
          ? `${JSON.stringify({ ok: checks.every((check) => check.status !== 'fail'), checks }, null, 2)}\n`
          : formatDoctorTable(checks),
      );
      process.exitCode = checks.some((check) => check.status === 'fail') ? 1 : 0;
    });
  program
    .command('deployment')
    .description('deployment manifests')
    .command('render')
    .description('write docker-compose.yml, deploy/kubernetes/acgs.yaml and the compose gateway and Prometheus configs')
    .option('--root <dir>', 'repository root to write under', '.')
    .action(async (options: { root: string }) => {
      for (const [path, text] of Object.entries(deploymentFiles())) {
        await mkdir(dirname(join(options.root, path)), { recursive: true });
        await writeFile(join(options.root, path), text);
        console.log(`wrote ${path}`);
      }
    });
  program
    .command('grafana')
    .description('Grafana provisioning')
    .command('dashboards')
    .description('write the dashboards as Grafana JSON (deploy/grafana/dashboards is what this writes)')
    .requiredOption('--out <dir>', 'directory to write the dashboard files into')
    .action(async (options: { out: string }) => {
      await mkdir(options.out, { recursive: true });
      for (const dashboard of DASHBOARDS)
        await writeFile(join(options.out, dashboard.file), `${JSON.stringify(dashboardJson(dashboard), null, 2)}\n`);
      console.log(`wrote ${DASHBOARDS.map((dashboard) => dashboard.file).join(', ')} to ${options.out}`);
    });
}
