// Public API of the manifest checks; the loaders, the Envoy config finder and the rule parser stay internal.
export { ManifestValidation } from './manifest-validation';
export { type ManifestFinding, type ManifestReport, type ManifestValidationOptions } from './checks';
export { type ManifestDocument } from './documents';
export { ManifestRule, ManifestRuleSeverity } from './rules';
