/** Word lists for realistic shop data. */

export interface Region {
  state: string
  city: string
  districts: readonly string[]
  zip: string
  /** relative share of orders */
  weight: number
}

export const REGIONS: readonly Region[] = [
  { state: '浙江省', city: '杭州市', districts: ['西湖区', '余杭区', '滨江区', '拱墅区', '上城区'], zip: '310000', weight: 9 },
  { state: '浙江省', city: '宁波市', districts: ['海曙区', '鄞州区', '江北区'], zip: '315000', weight: 4 },
  { state: '浙江省', city: '温州市', districts: ['鹿城区', '瓯海区'], zip: '325000', weight: 3 },
  { state: '上海', city: '上海市', districts: ['浦东新区', '徐汇区', '闵行区', '静安区', '宝山区'], zip: '200000', weight: 9 },
  { state: '北京', city: '北京市', districts: ['朝阳区', '海淀区', '丰台区', '通州区'], zip: '100000', weight: 7 },
  { state: '广东省', city: '广州市', districts: ['天河区', '越秀区', '番禺区', '白云区'], zip: '510000', weight: 7 },
  { state: '广东省', city: '深圳市', districts: ['南山区', '福田区', '宝安区', '龙岗区'], zip: '518000', weight: 7 },
  { state: '广东省', city: '东莞市', districts: ['南城街道', '长安镇'], zip: '523000', weight: 3 },
  { state: '江苏省', city: '南京市', districts: ['鼓楼区', '江宁区', '秦淮区'], zip: '210000', weight: 5 },
  { state: '江苏省', city: '苏州市', districts: ['姑苏区', '吴中区', '工业园区'], zip: '215000', weight: 5 },
  { state: '江苏省', city: '无锡市', districts: ['梁溪区', '滨湖区'], zip: '214000', weight: 3 },
  { state: '四川省', city: '成都市', districts: ['武侯区', '锦江区', '郫都区', '双流区'], zip: '610000', weight: 5 },
  { state: '湖北省', city: '武汉市', districts: ['洪山区', '江汉区', '武昌区'], zip: '430000', weight: 4 },
  { state: '山东省', city: '济南市', districts: ['历下区', '市中区'], zip: '250000', weight: 3 },
  { state: '山东省', city: '青岛市', districts: ['市南区', '黄岛区', '崂山区'], zip: '266000', weight: 3 },
  { state: '福建省', city: '厦门市', districts: ['思明区', '湖里区'], zip: '361000', weight: 3 },
  { state: '福建省', city: '福州市', districts: ['鼓楼区', '仓山区'], zip: '350000', weight: 2 },
  { state: '河南省', city: '郑州市', districts: ['金水区', '二七区'], zip: '450000', weight: 3 },
  { state: '湖南省', city: '长沙市', districts: ['岳麓区', '雨花区'], zip: '410000', weight: 3 },
  { state: '陕西省', city: '西安市', districts: ['雁塔区', '未央区'], zip: '710000', weight: 3 },
  { state: '重庆', city: '重庆市', districts: ['渝中区', '江北区', '渝北区'], zip: '400000', weight: 3 },
  { state: '天津', city: '天津市', districts: ['南开区', '河西区'], zip: '300000', weight: 2 },
  { state: '安徽省', city: '合肥市', districts: ['蜀山区', '包河区'], zip: '230000', weight: 2 },
  { state: '辽宁省', city: '沈阳市', districts: ['和平区', '浑南区'], zip: '110000', weight: 2 },
]

export const TOWNS = ['城东街道', '城西街道', '新城街道', '文新街道', '古荡街道', '翠苑街道', '南苑街道', '长安街道', '龙华街道', '建设街道']
export const STREETS = ['文一西路', '人民路', '解放路', '中山路', '建设路', '长江路', '学院路', '和平路', '新华路', '科技路', '滨江大道', '幸福里']

export const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢软'

export const NICK_HEADS = ['小鱼儿', '开心果', '阳光', '糖果', '快乐的', '星空', '晴天', '柠檬', '木子', '静静', '大白', '喵喵', '橘子', '夏天', '清风', '小熊', '甜甜', '蓝莓', '丸子', '云朵']
export const NICK_TAILS = ['爱吃鱼', '2019', '_88', '小屋', '宝贝', '1987', '呀', '不加糖', '的日常', '666', '_love', '酱', '妈妈', '爸爸', '同学']
export const MOBILE_PREFIXES = ['138', '139', '151', '152', '158', '159', '186', '187', '177', '135', '136', '180', '188', '199']

export const BUYER_MESSAGES = [
  '请尽快发货，谢谢',
  '不要放快递柜，放门卫',
  '送人的，请不要放价格单',
  '发顺丰可以补运费',
  '麻烦检查一下再发',
  '周末家里没人，请工作日送达',
  '尺码拍错了，请发L码',
  '多送两个小样吧',
]

export const SELLER_MEMOS = ['优先发货', '已联系买家，改发L码', '送小礼品', '老客户，包装仔细', '地址已核对', '缺货，延迟发货', '发顺丰']

export const REFUND_REASONS = ['七天无理由退换货', '拍错/多拍/不喜欢', '尺码拍错/不喜欢/效果不好', '质量问题', '未按约定时间发货', '协商一致退款']

export const TRADE_FROMS = ['WAP,WAP', 'WAP,WAP', 'WAP,WAP', 'TAOBAO', 'HITAO']

export const LOGISTICS_COMPANIES: Readonly<Record<string, string>> = {
  SF: '顺丰速运',
  YTO: '圆通速递',
  ZTO: '中通快递',
  STO: '申通快递',
  YUNDA: '韵达快递',
  EMS: 'EMS',
  POSTB: '邮政快递包裹',
  JD: '京东快递',
  HTKY: '百世快递',
  DBL: '德邦快递',
  JTSD: '极兔速递',
}
/** what the simulated seller ships with */
export const SELLER_COMPANIES = ['ZTO', 'YTO', 'YUNDA', 'STO', 'SF', 'JTSD']

/** Property ids as on Taobao for the common ones. */
export const PROPERTY_IDS: Readonly<Record<string, number>> = { 颜色分类: 1627207, 尺码: 20509, 尺寸: 20518, 容量: 122216347, 香型: 122276315, 规格: 122216588, 套餐类型: 5919063 }

export interface ItemTemplate {
  title: string
  code: string
  price: number
  /** property name → values; SKUs are the cross product */
  properties: readonly (readonly [string, readonly string[]])[]
}

export const ITEM_TEMPLATES: readonly ItemTemplate[] = [
  { title: '纯棉短袖T恤女夏季宽松百搭上衣', code: 'TX001', price: 59, properties: [['颜色分类', ['白色', '黑色', '杏色']], ['尺码', ['S', 'M', 'L', 'XL']]] },
  { title: '连帽卫衣男秋冬加绒加厚外套', code: 'WY002', price: 129, properties: [['颜色分类', ['黑色', '灰色', '藏青']], ['尺码', ['M', 'L', 'XL', 'XXL']]] },
  { title: '高腰直筒牛仔裤女显瘦阔腿裤', code: 'NZ003', price: 149, properties: [['颜色分类', ['浅蓝', '深蓝']], ['尺码', ['26', '27', '28', '29', '30']]] },
  { title: '法式碎花连衣裙女夏收腰长裙', code: 'LY004', price: 169, properties: [['颜色分类', ['碎花蓝', '碎花黄']], ['尺码', ['S', 'M', 'L']]] },
  { title: '男士商务长袖衬衫免烫修身', code: 'CS005', price: 99, properties: [['颜色分类', ['白色', '浅蓝']], ['尺码', ['39', '40', '41', '42', '43']]] },
  { title: '轻薄羽绒服女短款立领外套', code: 'YR006', price: 399, properties: [['颜色分类', ['米白', '黑色', '雾蓝']], ['尺码', ['S', 'M', 'L']]] },
  { title: '冰丝阔腿裤女夏季垂感休闲裤', code: 'KT007', price: 79, properties: [['颜色分类', ['黑色', '卡其']], ['尺码', ['M', 'L', 'XL']]] },
  { title: '中筒运动袜男女纯棉5双装', code: 'WZ008', price: 29.9, properties: [['颜色分类', ['混色5双', '白色5双', '黑色5双']]] },
  { title: '北欧风简约抱枕套沙发靠垫', code: 'BZ009', price: 39, properties: [['颜色分类', ['灰色格纹', '燕麦色', '墨绿']], ['尺寸', ['45x45cm', '50x50cm']]] },
  { title: '纯棉四件套全棉床单被套', code: 'SJ010', price: 299, properties: [['颜色分类', ['简约白', '雾霾蓝', '奶咖']], ['尺寸', ['1.5m床', '1.8m床']]] },
  { title: '316不锈钢保温杯大容量便携', code: 'BW011', price: 69, properties: [['颜色分类', ['奶白', '樱花粉', '曜石黑']], ['容量', ['500ml', '750ml']]] },
  { title: '桌面收纳盒三件套化妆品整理', code: 'SN012', price: 35.9, properties: [['颜色分类', ['白色', '透明']]] },
  { title: '加厚珊瑚绒浴巾吸水不掉毛', code: 'YJ013', price: 45, properties: [['颜色分类', ['浅灰', '粉色', '天蓝']]] },
  { title: '家用居家棉拖鞋冬季保暖', code: 'TX014', price: 29, properties: [['颜色分类', ['灰色', '粉色']], ['尺码', ['36-37', '38-39', '40-41', '42-43']]] },
  { title: '陶瓷餐具套装家用碗碟', code: 'CJ015', price: 188, properties: [['套餐类型', ['10件套', '16件套', '28件套']]] },
  { title: '香薰蜡烛卧室助眠礼盒', code: 'XX016', price: 49, properties: [['香型', ['白茶', '无花果', '雪松']]] },
  { title: '记忆棉枕头护颈椎枕芯', code: 'ZT017', price: 89, properties: [['规格', ['单只装', '两只装']]] },
  { title: '天然丝瓜络洗碗巾10片装', code: 'XW018', price: 15.9, properties: [] },
]
