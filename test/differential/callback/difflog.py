# A stdout callback for the differential harness: one JSON line per event (task start, host
# result, recap), in the order ansible-playbook emits them.
from __future__ import annotations

import json

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'stdout'
    CALLBACK_NAME = 'difflog'

    def _emit(self, **kw):
        self._display.display('DIFFLOG ' + json.dumps(kw, default=str, sort_keys=True))

    def v2_playbook_on_play_start(self, play):
        self._emit(type='play', name=play.get_name())

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._emit(type='task', name=task.get_name(), action=task.action)

    def v2_playbook_on_handler_task_start(self, task):
        self._emit(type='task', name=task.get_name(), action=task.action)

    def _result(self, result, status, **kw):
        # the result's own task: under strategy free, results of one task arrive after others started
        self._emit(type='result', host=result._host.get_name(), status=status, result=self._clean(result._result),
                   task=result._task.get_name(), action=result._task.action, **kw)

    def _clean(self, r):
        return {k: v for k, v in r.items() if not k.startswith('_ansible') and k != 'invocation'}

    def v2_runner_on_ok(self, result):
        self._result(result, 'changed' if result._result.get('changed') else 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result(result, 'failed', ignored=bool(ignore_errors))

    def v2_runner_on_skipped(self, result):
        self._result(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._result(result, 'unreachable')

    def v2_playbook_on_stats(self, stats):
        for h in sorted(stats.processed.keys()):
            self._emit(type='stats', host=h, stats=stats.summarize(h))
