import { ApiObject, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';

/**
 * Creates a Namespace that cdk8s writes before every object of its chart that lives in it (see
 * `orderNamespaceFirst`).
 * @internal
 */
export function newNamespace(scope: Construct, id: string, props: kplus.NamespaceProps): kplus.Namespace {
  const namespace = new kplus.Namespace(scope, id, props);
  orderNamespaceFirst(ApiObject.of(namespace));
  return namespace;
}

/**
 * Makes every object of the Namespace's chart whose `metadata.namespace` is that Namespace depend
 * on it, so that cdk8s writes the Namespace first and the first `kubectl apply -f` creates it before
 * the objects in it (otherwise: `namespaces "<name>" not found`, and pods created before the
 * Namespace's injection label miss their sidecar).
 *
 * cdk8s orders a chart's objects by their dependencies when it synthesizes, after running the
 * validation hooks. The dependencies are therefore added in a validation hook of the Namespace
 * object: objects created before and after this call are covered, whoever creates them. Objects of
 * other charts are left alone (cdk8s writes one file per chart; their order is the apply order of
 * the files).
 * @internal
 */
export function orderNamespaceFirst(namespace: ApiObject): void {
  namespace.node.addValidation({
    validate: () => {
      for (const object of objectsInNamespace(namespace)) object.addDependency(namespace);
      return [];
    },
  });
}

/** The namespaced objects of the Namespace's chart that live in it (nested charts excluded). */
function objectsInNamespace(namespace: ApiObject): ApiObject[] {
  const chart = Chart.of(namespace);
  const name = namespace.name;
  return chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject
    && c !== namespace
    && c.kind !== 'Namespace'
    && c.metadata.namespace === name
    && Chart.of(c) === chart
    // never close a cycle: the Namespace may not depend on an object in it
    && !namespace.node.dependencies.includes(c));
}
