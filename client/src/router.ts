import { createRouter, createWebHistory, type RouteLocationNormalized } from 'vue-router'
import { useSessionStore } from '@/stores/session'
import AppShell from '@/layouts/AppShell.vue'
import LoginView from '@/views/LoginView.vue'

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
    // an invited person sets their password (people)
    { path: '/invite/:code', name: 'invite', component: () => import('@/views/InviteView.vue'), meta: { public: true } },
    {
      path: '/',
      component: AppShell,
      children: [
        { path: '', name: 'home', component: () => import('@/views/HomeView.vue') },
        { path: 'approvals', name: 'approvals', component: () => import('@/views/ApprovalInboxView.vue'), meta: { keyByPath: true } },
        { path: 'forms/:form', name: 'grid', component: () => import('@/views/FormGridView.vue') },
        { path: 'forms/:form/new', name: 'new', component: () => import('@/views/RecordFormView.vue') },
        { path: 'forms/:form/:id(\\d+)', name: 'record', component: () => import('@/views/RecordFormView.vue') },
        // the form designer (administrators): its own chunk, loaded only when opened
        { path: 'designer/new', name: 'designer-new', component: () => import('@/views/FormDesignerView.vue') },
        { path: 'designer/:form', name: 'designer', component: () => import('@/views/FormDesignerView.vue') },
        // the dashboard designer: its own chunk (grid-layout-plus), loaded only when opened
        { path: 'dashboards/:key/design', name: 'dashboard-design', component: () => import('@/views/DashboardDesignerView.vue') },
        // Taobao shops (the taobao_erp pack): query changes (tabs) keep the page, so it is keyed by path
        // 财务报表: the three statements from the journal
        { path: 'reports/:statement', name: 'report', component: () => import('@/views/reports/StatementView.vue'), meta: { keyByPath: true } },
        { path: 'purchase-suggestions', name: 'purchase-suggestions', component: () => import('@/views/erp/PurchaseSuggestionsView.vue'), meta: { keyByPath: true } },
        { path: 'packs', name: 'packs', component: () => import('@/views/packs/TemplateCentreView.vue') },
        // users, API tokens and sessions (people)
        { path: 'admin/users', name: 'admin-users', component: () => import('@/views/admin/UsersView.vue') },
        { path: 'admin/tokens', name: 'admin-tokens', component: () => import('@/views/admin/TokensView.vue') },
        { path: 'admin/sessions', name: 'admin-sessions', component: () => import('@/views/admin/SessionsView.vue') },
        { path: 'shops', name: 'shops', component: () => import('@/views/shops/ShopListView.vue'), meta: { keyByPath: true } },
        { path: 'shops/new', name: 'shop-bind', component: () => import('@/views/shops/ShopBindView.vue'), meta: { keyByPath: true } },
        { path: 'shops/import', name: 'seller-center-import', component: () => import('@/views/shops/SellerCenterImportView.vue'), meta: { keyByPath: true } },
        { path: 'shops/:id(\\d+)', name: 'shop', component: () => import('@/views/shops/ShopDetailView.vue'), meta: { keyByPath: true } },
      ],
    },
    // a page made for paper, without the app around it (the `print` client action)
    { path: '/print/:form/:id(\\d+)', name: 'print', component: () => import('@/views/PrintView.vue') },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
})

router.beforeEach(async (to: RouteLocationNormalized) => {
  const session = useSessionStore()
  const user = await session.restore().catch(() => null)
  if (to.meta.public) return user && to.name === 'login' ? { path: (to.query.redirect as string) || '/' } : true
  if (!user) return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } }
  return true
})
