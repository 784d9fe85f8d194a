import { createApp, h } from 'vue'

createApp({ render: () => h('h1', '掌柜 Zhanggui') }).mount('#app')
