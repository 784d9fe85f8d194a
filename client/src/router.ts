import { createRouter, createWebHistory, type RouteLocationNormalized } from 'vue-router'
import { useSessionStore } from '@/stores/session'
import AppShell from '@/layouts/AppShell.vue'
import LoginView from '@/views/LoginView.vue'

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
    {
      path: '/',
      component: AppShell,
      children: [
        { path: '', name: 'home', component: () => import('@/views/HomeView.vue') },
        { path: 'forms/:form', name: 'grid', component: () => import('@/views/FormGridView.vue') },
        { path: 'forms/:form/new', name: 'new', component: () => import('@/views/RecordFormView.vue') },
        { path: 'forms/:form/:id(\\d+)', name: 'record', component: () => import('@/views/RecordFormView.vue') },
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
