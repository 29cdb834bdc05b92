import { Command } from 'commander';
import { SERVICE_NAMES, type ServiceName } from '../../platform/config.js';
import { writeFile } from 'node:fs/promises';
import { parseServicePorts, renderNginxConfig, topologyProblems } from '../../operations/nginx-config.js';
import { configOrExit } from '../with-platform.js';

/** Gateway: the nginx configuration in front of the services. */
export function registerGatewayCommands(program: Command): void {
  const gateway = program.command('gateway').description('the nginx gateway in front of the services');
  gateway
    .command('config')
    .description(
      'render nginx.conf for a topology (default: one instance of each service on this host, at its configured port)',
    )
    .option('--listen <port>', 'port the gateway listens on', '8080')
    .option(
      '--instances <service=host:port,...>',
      'instances of one service, e.g. auth=10.0.0.5:8000,10.0.0.6:8000 (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--service-ports <list>',
      'also listen on a port per service, each routing every path to that service: "standard" (8000–8005) or auth=8000,ac=8001,…',
      '',
    )
    .option('--auth-rate <n>', 'login/register/refresh requests per minute per client IP', '10')
    .option('--api-rate <n>', '/api/ requests per minute per client IP', '100')
    .option(
      '--console-root <dir>',
      "the built console (dist/console) served at /: absolute, or relative to nginx's prefix (-p)",
      'console',
    )
    .option('--no-console', 'serve no console: / answers 404 like any unknown path')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(
      async (options: {
        listen: string;
        instances: string[];
        servicePorts: string;
        authRate: string;
        apiRate: string;
        consoleRoot: string;
        console: boolean;
        out?: string;
      }) => {
        const config = configOrExit();
        const instances = Object.fromEntries(
          SERVICE_NAMES.map((service) => [service, [`127.0.0.1:${config.ports[service]}`]]),
        ) as Record<ServiceName, string[]>;
        for (const spec of options.instances) {
          const [service, list] = spec.split('=', 2);
          if (!(SERVICE_NAMES as readonly string[]).includes(service ?? '') || list === undefined) {
            console.error(
              `--instances ${spec}: expected <service>=host:port[,host:port…] with service one of ${SERVICE_NAMES.join(', ')}`,
            );
            process.exit(2);
          }
          instances[service as ServiceName] = list.split(',').filter((item) => item !== '');
        }
        const servicePorts = parseServicePorts(options.servicePorts);
        if (servicePorts === null) {
          console.error(
            `--service-ports ${options.servicePorts}: expected "standard" or <service>=<port>[,…] with service one of ${SERVICE_NAMES.join(', ')}`,
          );
          process.exit(2);
        }
        const topology = {
          listenPort: Number(options.listen),
          servicePorts,
          instances,
          authRatePerMinute: Number(options.authRate),
          apiRatePerMinute: Number(options.apiRate),
          ...(options.console
            ? {
                console: {
                  root: options.consoleRoot,
                  trustedKeyFingerprints: config.enforcement.trustedKeyFingerprints,
                  traceUrlTemplate: config.console.traceUrlTemplate,
                },
              }
            : {}),
        };
        const problems = topologyProblems(topology);
        if (problems.length > 0) {
          for (const problem of problems) console.error(problem);
          process.exit(2);
        }
        const text = renderNginxConfig(topology);
        if (options.out === undefined) process.stdout.write(text);
        else await writeFile(options.out, text);
      },
    );
}
