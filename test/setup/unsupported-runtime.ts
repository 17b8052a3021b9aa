/** Jest globalSetup: says once per run what oidc-provider would say in every test file. */
export default function unsupportedRuntime(): void {
  const lts = process.release.lts;
  // oidc-provider 9 supports the LTS lines from "Jod" (Node 22) on.
  if (!lts || lts < 'Jod') {
    console.warn(
      `\nNode ${process.version}: oidc-provider warns "Unsupported runtime" (shown once, not per test ` +
        'file). The kit runs on Node 20.19+; 22 and 24 are recommended.',
    );
  }
}
