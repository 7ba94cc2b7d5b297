/**
 * One construct for every duban Lambda: the shared defaults (latest Node runtime, arm64, ESM bundle
 * by the local esbuild with the templates beside it, JSON logs kept a set time, timeout), and
 * `bindTable`, which grants access and sets the table's variable in one call.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

export interface DubanFunctionProps {
  /** File under functions/handlers, without extension. */
  handler: string;
  description: string;
  timeout?: Duration;
  memorySize?: number;
  environment?: Record<string, string>;
  /** Files (from the project's root) shipped beside the bundle, e.g. a .wasm loaded at first use rather than inlined. */
  beside?: string[];
  /** esbuild defines for this bundle only (e.g. `__dirname` for a CommonJS dependency that reads it). */
  define?: Record<string, string>;
}

export class DubanFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: DubanFunctionProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    this.fn = new NodejsFunction(this, 'Function', {
      entry: join(root, 'functions/handlers', `${props.handler}.ts`),
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      loggingFormat: LoggingFormat.JSON,
      logGroup,
      projectRoot: root,
      depsLockFilePath: join(root, 'package-lock.json'),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        DUBAN_TEMPLATE_DIR: '/var/task/templates',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        mainFields: ['module', 'main'],
        // Some dependencies still call require(); give the ESM bundle one.
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        // The SDK is bundled too: the function runs the version it was tested with.
        externalModules: [],
        // Every function signs with the credentials Lambda sets in its environment
        // (functions/wiring/lambda-credentials.ts), not the SDK's whole default chain (SSO,
        // profiles, web identity …): about 95 KB less in each bundle.
        // handlebars' optional `source-map` is left out the same way (functions/wiring/no-source-map.ts).
        esbuildArgs: {
          '--alias': `@aws-sdk/credential-provider-node=${join(root, 'functions/wiring/lambda-credentials.ts')}`,
          '--alias:source-map': join(root, 'functions/wiring/no-source-map.ts'),
        },
        ...(props.define ? { define: props.define } : {}),
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [
            `cp -r "${inputDir}/templates" "${outputDir}/templates"`,
            ...(props.beside ?? []).map((file) => `cp "${inputDir}/${file}" "${outputDir}/"`),
          ],
        },
      },
    });
  }

  bindTable(table: ITable): this {
    table.grantReadWriteData(this.fn);
    this.fn.addEnvironment('DUBAN_TABLE', table.tableName);
    return this;
  }
}
