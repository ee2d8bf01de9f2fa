"""Reference tables loaded by data migrations: Peru's first-level ubigeo units, the CIIU Rev.4
sections and divisions (as adopted by INEI), and the UIT by year. Stewards edit the UIT table
afterwards in the admin; the others change only with the classifications themselves."""

REGIONS = [
    ("01", "Amazonas"),
    ("02", "Áncash"),
    ("03", "Apurímac"),
    ("04", "Arequipa"),
    ("05", "Ayacucho"),
    ("06", "Cajamarca"),
    ("07", "Callao"),
    ("08", "Cusco"),
    ("09", "Huancavelica"),
    ("10", "Huánuco"),
    ("11", "Ica"),
    ("12", "Junín"),
    ("13", "La Libertad"),
    ("14", "Lambayeque"),
    ("15", "Lima"),
    ("16", "Loreto"),
    ("17", "Madre de Dios"),
    ("18", "Moquegua"),
    ("19", "Pasco"),
    ("20", "Piura"),
    ("21", "Puno"),
    ("22", "San Martín"),
    ("23", "Tacna"),
    ("24", "Tumbes"),
    ("25", "Ucayali"),
]

# (section, name, [(division, name), ...])
CIIU_REV4 = [
    (
        "A",
        "Agricultura, ganadería, silvicultura y pesca",
        [
            ("01", "Agricultura, ganadería, caza y actividades de servicios conexas"),
            ("02", "Silvicultura y extracción de madera"),
            ("03", "Pesca y acuicultura"),
        ],
    ),
    (
        "B",
        "Explotación de minas y canteras",
        [
            ("05", "Extracción de carbón de piedra y lignito"),
            ("06", "Extracción de petróleo crudo y gas natural"),
            ("07", "Extracción de minerales metalíferos"),
            ("08", "Explotación de otras minas y canteras"),
            ("09", "Actividades de servicios de apoyo para la explotación de minas y canteras"),
        ],
    ),
    (
        "C",
        "Industrias manufactureras",
        [
            ("10", "Elaboración de productos alimenticios"),
            ("11", "Elaboración de bebidas"),
            ("12", "Elaboración de productos de tabaco"),
            ("13", "Fabricación de productos textiles"),
            ("14", "Fabricación de prendas de vestir"),
            ("15", "Fabricación de productos de cuero y productos conexos"),
            (
                "16",
                "Producción de madera y fabricación de productos de madera y corcho, "
                "excepto muebles",
            ),
            ("17", "Fabricación de papel y de productos de papel"),
            ("18", "Impresión y reproducción de grabaciones"),
            ("19", "Fabricación de coque y productos de la refinación del petróleo"),
            ("20", "Fabricación de sustancias y productos químicos"),
            (
                "21",
                "Fabricación de productos farmacéuticos, sustancias químicas medicinales y "
                "productos botánicos de uso farmacéutico",
            ),
            ("22", "Fabricación de productos de caucho y de plástico"),
            ("23", "Fabricación de otros productos minerales no metálicos"),
            ("24", "Fabricación de metales comunes"),
            ("25", "Fabricación de productos elaborados de metal, excepto maquinaria y equipo"),
            ("26", "Fabricación de productos de informática, de electrónica y de óptica"),
            ("27", "Fabricación de equipo eléctrico"),
            ("28", "Fabricación de maquinaria y equipo n.c.p."),
            ("29", "Fabricación de vehículos automotores, remolques y semirremolques"),
            ("30", "Fabricación de otros tipos de equipo de transporte"),
            ("31", "Fabricación de muebles"),
            ("32", "Otras industrias manufactureras"),
            ("33", "Reparación e instalación de maquinaria y equipo"),
        ],
    ),
    (
        "D",
        "Suministro de electricidad, gas, vapor y aire acondicionado",
        [
            ("35", "Suministro de electricidad, gas, vapor y aire acondicionado"),
        ],
    ),
    (
        "E",
        "Suministro de agua; evacuación de aguas residuales, gestión de desechos y "
        "descontaminación",
        [
            ("36", "Captación, tratamiento y distribución de agua"),
            ("37", "Evacuación de aguas residuales"),
            ("38", "Recogida, tratamiento y eliminación de desechos; recuperación de materiales"),
            ("39", "Actividades de descontaminación y otros servicios de gestión de desechos"),
        ],
    ),
    (
        "F",
        "Construcción",
        [
            ("41", "Construcción de edificios"),
            ("42", "Obras de ingeniería civil"),
            ("43", "Actividades especializadas de construcción"),
        ],
    ),
    (
        "G",
        "Comercio al por mayor y al por menor; reparación de vehículos automotores y motocicletas",
        [
            (
                "45",
                "Comercio al por mayor y al por menor y reparación de vehículos automotores y "
                "motocicletas",
            ),
            ("46", "Comercio al por mayor, excepto el de vehículos automotores y motocicletas"),
            ("47", "Comercio al por menor, excepto el de vehículos automotores y motocicletas"),
        ],
    ),
    (
        "H",
        "Transporte y almacenamiento",
        [
            ("49", "Transporte por vía terrestre y transporte por tuberías"),
            ("50", "Transporte por vía acuática"),
            ("51", "Transporte por vía aérea"),
            ("52", "Almacenamiento y actividades de apoyo al transporte"),
            ("53", "Actividades postales y de mensajería"),
        ],
    ),
    (
        "I",
        "Actividades de alojamiento y de servicio de comidas",
        [
            ("55", "Actividades de alojamiento"),
            ("56", "Actividades de servicio de comidas y bebidas"),
        ],
    ),
    (
        "J",
        "Información y comunicaciones",
        [
            ("58", "Actividades de edición"),
            (
                "59",
                "Actividades de producción de películas cinematográficas, vídeos y programas de "
                "televisión, grabación de sonido y edición de música",
            ),
            ("60", "Actividades de programación y transmisión"),
            ("61", "Telecomunicaciones"),
            ("62", "Programación informática, consultoría de informática y actividades conexas"),
            ("63", "Actividades de servicios de información"),
        ],
    ),
    (
        "K",
        "Actividades financieras y de seguros",
        [
            (
                "64",
                "Actividades de servicios financieros, excepto las de seguros y fondos de "
                "pensiones",
            ),
            (
                "65",
                "Seguros, reaseguros y fondos de pensiones, excepto planes de seguridad social "
                "de afiliación obligatoria",
            ),
            ("66", "Actividades auxiliares de las actividades de servicios financieros"),
        ],
    ),
    (
        "L",
        "Actividades inmobiliarias",
        [
            ("68", "Actividades inmobiliarias"),
        ],
    ),
    (
        "M",
        "Actividades profesionales, científicas y técnicas",
        [
            ("69", "Actividades jurídicas y de contabilidad"),
            ("70", "Actividades de oficinas principales; actividades de consultoría de gestión"),
            ("71", "Actividades de arquitectura e ingeniería; ensayos y análisis técnicos"),
            ("72", "Investigación científica y desarrollo"),
            ("73", "Publicidad y estudios de mercado"),
            ("74", "Otras actividades profesionales, científicas y técnicas"),
            ("75", "Actividades veterinarias"),
        ],
    ),
    (
        "N",
        "Actividades de servicios administrativos y de apoyo",
        [
            ("77", "Actividades de alquiler y arrendamiento"),
            ("78", "Actividades de empleo"),
            (
                "79",
                "Actividades de agencias de viajes, operadores turísticos, servicios de reservas "
                "y actividades conexas",
            ),
            ("80", "Actividades de seguridad e investigación"),
            ("81", "Actividades de servicios a edificios y de paisajismo"),
            (
                "82",
                "Actividades administrativas y de apoyo de oficina y otras actividades de apoyo "
                "a las empresas",
            ),
        ],
    ),
    (
        "O",
        "Administración pública y defensa; planes de seguridad social de afiliación obligatoria",
        [
            (
                "84",
                "Administración pública y defensa; planes de seguridad social de afiliación "
                "obligatoria",
            ),
        ],
    ),
    (
        "P",
        "Enseñanza",
        [
            ("85", "Enseñanza"),
        ],
    ),
    (
        "Q",
        "Actividades de atención de la salud humana y de asistencia social",
        [
            ("86", "Actividades de atención de la salud humana"),
            ("87", "Actividades de atención en instituciones"),
            ("88", "Actividades de asistencia social sin alojamiento"),
        ],
    ),
    (
        "R",
        "Actividades artísticas, de entretenimiento y recreativas",
        [
            ("90", "Actividades creativas, artísticas y de entretenimiento"),
            ("91", "Actividades de bibliotecas, archivos y museos y otras actividades culturales"),
            ("92", "Actividades de juegos de azar y apuestas"),
            ("93", "Actividades deportivas, de esparcimiento y recreativas"),
        ],
    ),
    (
        "S",
        "Otras actividades de servicios",
        [
            ("94", "Actividades de asociaciones"),
            ("95", "Reparación de ordenadores y de efectos personales y enseres domésticos"),
            ("96", "Otras actividades de servicios personales"),
        ],
    ),
    (
        "T",
        "Actividades de los hogares como empleadores; actividades no diferenciadas de los "
        "hogares como productores de bienes y servicios para uso propio",
        [
            ("97", "Actividades de los hogares como empleadores de personal doméstico"),
            (
                "98",
                "Actividades no diferenciadas de los hogares como productores de bienes y "
                "servicios para uso propio",
            ),
        ],
    ),
    (
        "U",
        "Actividades de organizaciones y órganos extraterritoriales",
        [
            ("99", "Actividades de organizaciones y órganos extraterritoriales"),
        ],
    ),
]

# UIT in soles by year (decretos supremos del MEF). Stewards add each new year in the admin.
UIT_BY_YEAR = {
    2017: 4050,
    2018: 4150,
    2019: 4200,
    2020: 4300,
    2021: 4400,
    2022: 4600,
    2023: 4950,
    2024: 5150,
    2025: 5350,
    2026: 5500,
}

# The same sections and divisions with ISIC Rev.4's own English titles, for pages in English.
CIIU_REV4_ENGLISH = {
    "A": "Agriculture, forestry and fishing",
    "01": "Crop and animal production, hunting and related service activities",
    "02": "Forestry and logging",
    "03": "Fishing and aquaculture",
    "B": "Mining and quarrying",
    "05": "Mining of coal and lignite",
    "06": "Extraction of crude petroleum and natural gas",
    "07": "Mining of metal ores",
    "08": "Other mining and quarrying",
    "09": "Mining support service activities",
    "C": "Manufacturing",
    "10": "Manufacture of food products",
    "11": "Manufacture of beverages",
    "12": "Manufacture of tobacco products",
    "13": "Manufacture of textiles",
    "14": "Manufacture of wearing apparel",
    "15": "Manufacture of leather and related products",
    "16": "Manufacture of wood and of products of wood and cork, except furniture",
    "17": "Manufacture of paper and paper products",
    "18": "Printing and reproduction of recorded media",
    "19": "Manufacture of coke and refined petroleum products",
    "20": "Manufacture of chemicals and chemical products",
    "21": "Manufacture of basic pharmaceutical products and pharmaceutical preparations",
    "22": "Manufacture of rubber and plastics products",
    "23": "Manufacture of other non-metallic mineral products",
    "24": "Manufacture of basic metals",
    "25": "Manufacture of fabricated metal products, except machinery and equipment",
    "26": "Manufacture of computer, electronic and optical products",
    "27": "Manufacture of electrical equipment",
    "28": "Manufacture of machinery and equipment n.e.c.",
    "29": "Manufacture of motor vehicles, trailers and semi-trailers",
    "30": "Manufacture of other transport equipment",
    "31": "Manufacture of furniture",
    "32": "Other manufacturing",
    "33": "Repair and installation of machinery and equipment",
    "D": "Electricity, gas, steam and air conditioning supply",
    "35": "Electricity, gas, steam and air conditioning supply",
    "E": "Water supply; sewerage, waste management and remediation activities",
    "36": "Water collection, treatment and supply",
    "37": "Sewerage",
    "38": "Waste collection, treatment and disposal activities; materials recovery",
    "39": "Remediation activities and other waste management services",
    "F": "Construction",
    "41": "Construction of buildings",
    "42": "Civil engineering",
    "43": "Specialized construction activities",
    "G": "Wholesale and retail trade; repair of motor vehicles and motorcycles",
    "45": "Wholesale and retail trade and repair of motor vehicles and motorcycles",
    "46": "Wholesale trade, except of motor vehicles and motorcycles",
    "47": "Retail trade, except of motor vehicles and motorcycles",
    "H": "Transportation and storage",
    "49": "Land transport and transport via pipelines",
    "50": "Water transport",
    "51": "Air transport",
    "52": "Warehousing and support activities for transportation",
    "53": "Postal and courier activities",
    "I": "Accommodation and food service activities",
    "55": "Accommodation",
    "56": "Food and beverage service activities",
    "J": "Information and communication",
    "58": "Publishing activities",
    "59": "Motion picture, video and television programme production, sound recording and "
    "music publishing activities",
    "60": "Programming and broadcasting activities",
    "61": "Telecommunications",
    "62": "Computer programming, consultancy and related activities",
    "63": "Information service activities",
    "K": "Financial and insurance activities",
    "64": "Financial service activities, except insurance and pension funding",
    "65": "Insurance, reinsurance and pension funding, except compulsory social security",
    "66": "Activities auxiliary to financial service and insurance activities",
    "L": "Real estate activities",
    "68": "Real estate activities",
    "M": "Professional, scientific and technical activities",
    "69": "Legal and accounting activities",
    "70": "Activities of head offices; management consultancy activities",
    "71": "Architectural and engineering activities; technical testing and analysis",
    "72": "Scientific research and development",
    "73": "Advertising and market research",
    "74": "Other professional, scientific and technical activities",
    "75": "Veterinary activities",
    "N": "Administrative and support service activities",
    "77": "Rental and leasing activities",
    "78": "Employment activities",
    "79": "Travel agency, tour operator, reservation service and related activities",
    "80": "Security and investigation activities",
    "81": "Services to buildings and landscape activities",
    "82": "Office administrative, office support and other business support activities",
    "O": "Public administration and defence; compulsory social security",
    "84": "Public administration and defence; compulsory social security",
    "P": "Education",
    "85": "Education",
    "Q": "Human health and social work activities",
    "86": "Human health activities",
    "87": "Residential care activities",
    "88": "Social work activities without accommodation",
    "R": "Arts, entertainment and recreation",
    "90": "Creative, arts and entertainment activities",
    "91": "Libraries, archives, museums and other cultural activities",
    "92": "Gambling and betting activities",
    "93": "Sports activities and amusement and recreation activities",
    "S": "Other service activities",
    "94": "Activities of membership organizations",
    "95": "Repair of computers and personal and household goods",
    "96": "Other personal service activities",
    "T": "Activities of households as employers; undifferentiated goods- and "
    "services-producing activities of households for own use",
    "97": "Activities of households as employers of domestic personnel",
    "98": "Undifferentiated goods- and services-producing activities of private households "
    "for own use",
    "U": "Activities of extraterritorial organizations and bodies",
    "99": "Activities of extraterritorial organizations and bodies",
}
