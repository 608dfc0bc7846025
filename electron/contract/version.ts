// The application's version, written into every stored analysis (analyses.app_version), the SR and
// presentation states it exports (SoftwareVersions, PS3.3 C.7.5.1), the About screen and evaluation
// reports. One constant for all of them; test/contract/version.test.ts holds it to package.json.
export const APP_VERSION = "0.1.0";
