/** The shell: header, banners, the active tab, keyboard shortcuts, notices. */
import { useCallback, useEffect, useState } from 'react';
import { AppHeader } from './AppHeader';
import { isTypingTarget, shortcutFor, tabFromHash, type TabId } from './keyboard-shortcuts';
import { StatusBanners } from './StatusBanners';
import { HISTORY_SEARCH_INPUT_ID, HistoryTab } from './tabs/history/HistoryTab';
import { IndexesTab } from './tabs/indexes/IndexesTab';
import { LmStudioTab } from './tabs/lmstudio/LmStudioTab';
import { QUEUE_FILTER_INPUT_ID, QueueTab } from './tabs/queue/QueueTab';
import { SchedulesTab } from './tabs/schedules/SchedulesTab';
import { SubmitTab } from './tabs/submit/SubmitTab';
import { TeamTab } from './tabs/team/TeamTab';
import { Notices } from './ui/widgets';

const FILTER_INPUT: Partial<Record<TabId, string>> = { queue: QUEUE_FILTER_INPUT_ID, history: HISTORY_SEARCH_INPUT_ID };

function TabPanel({ tab }: { tab: TabId }) {
  switch (tab) {
    case 'queue':
      return <QueueTab />;
    case 'submit':
      return <SubmitTab />;
    case 'lmstudio':
      return <LmStudioTab />;
    case 'team':
      return <TeamTab />;
    case 'history':
      return <HistoryTab />;
    case 'schedules':
      return <SchedulesTab />;
    case 'indexes':
      return <IndexesTab />;
  }
}

export function App() {
  const [tab, setTab] = useState<TabId>(() => tabFromHash(window.location.hash));

  const showTab = useCallback((next: TabId) => {
    setTab(next);
    window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}#${next}`);
  }, []);

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      const action = shortcutFor({
        key: event.key,
        ctrlKey: event.ctrlKey,
        metaKey: event.metaKey,
        altKey: event.altKey,
        inField: isTypingTarget(event.target),
      });
      if (!action) return;
      if (action.kind === 'tab') showTab(action.tab);
      else if (action.kind === 'leave-field') (event.target as HTMLElement).blur();
      else {
        const input = FILTER_INPUT[tab];
        if (!input) return;
        event.preventDefault();
        document.getElementById(input)?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [tab, showTab]);

  return (
    <div className="app">
      <AppHeader tab={tab} onTab={showTab} />
      <StatusBanners />
      <main className="app-main" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        <TabPanel tab={tab} />
      </main>
      <Notices />
    </div>
  );
}
