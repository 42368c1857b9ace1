// The shell: language and session state, the header with navigation, and the page for the current path.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { I18nContext, initialLang, makeI18n, saveLang, useI18n, type Lang, type MessageKey } from './i18n';
import { LanguageSwitch } from './components/language-switch';
import { getSession, onSession, setSession, type Session } from './session-store';
import { roleCan, type Permission } from './permissions';
import { Link, match, usePath } from './router';
import { SignIn } from './pages/sign-in';
import { Overview } from './pages/overview';
import { Datasets } from './pages/datasets';
import { DatasetPage } from './pages/dataset';
import { Train } from './pages/train';
import { Jobs } from './pages/jobs';
import { JobPage } from './pages/job';
import { Models } from './pages/models';
import { ModelPage } from './pages/model';
import { Deployments } from './pages/deployments';
import { DeploymentPage } from './pages/deployment';
import { Keys } from './pages/keys';
import { Audit } from './pages/audit';

interface NavItem {
  href: string;
  label: MessageKey;
  needs?: Permission;
}
const NAV: NavItem[] = [
  { href: '/', label: 'nav.overview' },
  { href: '/datasets', label: 'nav.datasets' },
  { href: '/train', label: 'nav.train', needs: 'jobs:write' },
  { href: '/jobs', label: 'nav.jobs' },
  { href: '/models', label: 'nav.models' },
  { href: '/deployments', label: 'nav.deployments' },
  { href: '/keys', label: 'nav.keys', needs: 'keys:manage' },
  { href: '/audit', label: 'nav.audit', needs: 'audit:read' },
];

function Page({ path, session }: { path: string; session: Session }) {
  const { t } = useI18n();
  const role = session.role;
  let m: Record<string, string> | null;
  if (path === '/' || path === '') return <Overview />;
  if (path === '/datasets') return <Datasets role={role} />;
  if ((m = match('/datasets/:name', path))) return <DatasetPage name={m.name} />;
  if (path === '/train') return <Train role={role} />;
  if (path === '/jobs') return <Jobs />;
  if ((m = match('/jobs/:id', path))) return <JobPage id={m.id} role={role} />;
  if (path === '/models') return <Models />;
  if ((m = match('/models/:name', path))) return <ModelPage name={m.name} role={role} />;
  if (path === '/deployments') return <Deployments role={role} />;
  if ((m = match('/deployments/:name', path))) return <DeploymentPage name={m.name} role={role} />;
  if (path === '/keys' && roleCan(role, 'keys:manage')) return <Keys />;
  if (path === '/audit' && roleCan(role, 'audit:read')) return <Audit />;
  return (
    <section>
      <h1>{t('error.pageNotFound')}</h1>
      <p>
        <Link href="/">{t('nav.overview')}</Link>
      </p>
    </section>
  );
}

function Shell({ session }: { session: Session }) {
  const { t } = useI18n();
  const path = usePath();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  const active = (href: string) => (href === '/' ? path === '/' : path === href || path.startsWith(href + '/'));
  return (
    <>
      <a class="skip" href="#main">
        {t('common.skipToContent')}
      </a>
      <header class="top">
        <div class="brand">
          <span class="logo" aria-hidden="true">
            ▲
          </span>{' '}
          Andon
        </div>
        <button class="menu-toggle" aria-expanded={menuOpen} aria-controls="main-nav" onClick={() => setMenuOpen(!menuOpen)}>
          {t('common.menu')}
        </button>
        <nav id="main-nav" class={menuOpen ? 'open' : ''} aria-label={t('nav.label')}>
          <ul>
            {NAV.filter((n) => !n.needs || roleCan(session.role, n.needs)).map((n) => (
              <li key={n.href}>
                <Link href={n.href} aria-current={active(n.href) ? 'page' : undefined} data-nav={n.href}>
                  {t(n.label)}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span class="badge role" data-testid="role">
            {t(`role.${session.role}` as MessageKey)}
          </span>
          {session.keyName && <span class="muted small">{session.keyName}</span>}
          <LanguageSwitch />
          <button class="secondary" onClick={() => setSession(null)}>
            {t('common.signOut')}
          </button>
        </div>
      </header>
      <main id="main">
        <Page path={path} session={session} />
      </main>
    </>
  );
}

export function App() {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const [session, setSessionState] = useState<Session | null>(getSession);
  const [reason, setReason] = useState<string | null>(null);
  useEffect(
    () =>
      onSession((s, r) => {
        setSessionState(s);
        setReason(r);
      }),
    [],
  );
  useEffect(() => saveLang(lang), [lang]);
  const i18n = useMemo(() => makeI18n(lang, setLangState), [lang]);
  useEffect(() => {
    document.title = i18n.t('app.title');
  }, [i18n]);
  return <I18nContext.Provider value={i18n}>{session ? <Shell session={session} /> : <SignIn reason={reason} />}</I18nContext.Provider>;
}
