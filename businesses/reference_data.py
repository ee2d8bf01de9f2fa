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
