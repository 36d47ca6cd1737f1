/** The Engine's parent-job methods (engine-api.ts), over ParentJobs. */
import { DEFAULT_PRIORITY } from '../../../shared/priority';
import type { Job } from '../../../shared/job';
import type { Engine } from '../engine-api';
import type { JobRecord } from '../store/job-record';
import type { ParentJobs } from './parent-jobs';

type ParentMethods = Pick<Engine, 'createParent' | 'addChildren' | 'sealParent' | 'beginParent' | 'touchParent' | 'describeParents' | 'failParent' | 'childPage' | 'dropChildResults' | 'onParentFinished'>;

export function parentEngineMethods(parents: ParentJobs, show: { view: (record: JobRecord) => Job; mustGet: (id: string) => JobRecord }): ParentMethods {
  const { view, mustGet } = show;
  return {
    createParent: (request) => view(parents.create({ ...request, priority: request.priority ?? DEFAULT_PRIORITY })),
    addChildren: (parentId, firstIndex, children) => parents.addChildren(parentId, firstIndex, children),
    sealParent(parentId, summary) {
      parents.seal(parentId, summary);
      return view(mustGet(parentId));
    },
    beginParent: (parentId) => parents.begin(parentId),
    touchParent: (parentId) => parents.touch(parentId),
    describeParents: (kind, describer) => parents.views.describe(kind, describer),
    failParent(parentId, error) {
      parents.fail(parentId, error);
      return view(mustGet(parentId));
    },
    childPage: (parentId, afterIndex, limit) =>
      parents.childPage(parentId, afterIndex, limit).map((c) => ({ index: c.index, job: view(c.record), resultJson: c.resultJson })),
    dropChildResults: (parentId, indexes) => parents.dropChildResults(parentId, indexes),
    onParentFinished: (listener) => parents.onParentFinished(listener),
  };
}
