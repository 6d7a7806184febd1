"""Given names and surnames common in European and American locales, accent-folded and lower-cased.

Compiled from the person-name lists of the Faker project (MIT License), which in turn come from
public name-frequency statistics. They are only evidence for the PERSON_NAME recognizer: a value
whose first token is a known given name is a stronger sign of a person than capitalised words alone.
"""

from __future__ import annotations

from lily.classify.data import words

GIVEN_NAMES: frozenset[str] = words("""
aachal aada aadhya aadi aage aahana aaliyah aapo aarav aarini aarna aarnav aarne aaro aaron aarush aashi
aatos aayush abbas abbi abbie abby abdi abdirahman abdis abdul abdulahat abdulbekir abdulcemal abdulgazi
abdulhadi abdulkadir abdulkerim abdullah abdullahi abdulmenaf abdulsamed abdulsemet abdurrahman
abdurresit abeer abel abelardo abelone abha abhimanyu abhiram abid abigail abilio abiye abjorn abraham
abram abril abuzar acar acarkan achiel achille achim acikel acilay aclan ada adak adal adalbert
adalberto adam adamo adan adasal adela adelaida adelaide adelardo adelasia adelbert adele adelgunde
adelheid adelia adelin adelina adelinde adeline adelmo adem adi adigun adila adina adis aditya adlan
admir adnan adolf adolfine adolfo adonis adora adoracion adriaan adrian adriana adriane adrianna adriano
adrien adrienn adrienne advaith advay advik advika adviye adweta adya aedan aenne afer aferdita afife
afonso africa afrim agakisi agapito agastya agata agatha agathe agbegim age agim aglaia agmur agne agnes
agnese agneta agnete agnieszka agnolo agnos agostino agripina agron agueda agustin agustina ahat ahmad
ahmed ahmet ahsen ahter ahti aicha aida aidan aideen aiden aila aileen aili ailis aime aimee aimo aina
ainara aine aino ainoa airi aisha aishani aisling aislinn aitana aitor ajan ajla ajna akalan akar akatay
akay akbas akboga akcabay akcasu akcivan akdora akdurmus ake akgol akgunes aki akif akinal akise
akkerman akmaner akmaral akos akoz aksay aksel akseli akshay aksogut aksoy aktemur akver akyildiz
alaaddin alabezek alaeddin alain alan alana alanalp alanis alanna alannah alara alastair alattin alaz
alba alban albano alberico albert alberta alberte albertina albertine alberto albin albina albino
albrecht albulena alcan alcides alderano aldin aldo aldonza ale alea alec alejandra alejandro alejo
aleks aleksandar aleksander aleksandr aleksandra aleksanteri aleksej aleksi alemsah alen alena aleodor
ales alessandra alessandro alessia alessio alex alexa alexandar alexander alexandr alexandra alexandre
alexandria alexandrie alexandrina alexandros alexandru alexe alexei alexej alexia alexis alf alfio
alfons alfonso alfred alfredo algis algot ali aliabbas alice alicia alicja alida aliihsan alin alina
aline alis alisa aliseydi alisha alisik alison alissa alistair alistar alister alix alize alka alkor
alla allan allana allegra allen allison alma almast almir almudena almus almut almuth alois aloisia
alondra alonso aloys alparslan alpcan alphons alphonse alpin alpsu alsoy altin altinbike altincicek
altinisin altinkaya altogan altug alva alvar alvaro alve alvin alwin alwina alwine alyssa alzbeta amac
amada amadeo amadeus amado amador amaira amalia amalie amancio amanda amandine amando amar amara
amarilis amaro amaya ambar amber ambrosio amedeo amedeu amela amelia amelie america americo amico amie
amilcar amin amina amir amira amleto amol amor amparo amra amre amrita amruta amy amy-lee amy-leigh amza
an ana anabel anabela anabella anacleto anaida anais anamaria anamika anargul anas anastasia anastasie
anastasio anastasios anastazie anastazja anatol anatoli anatolie anatolij anay anca ancuta anda andela
anders andic andjela andjelina andor andra andrada andras andre andrea andreas andree andreea andrei
andreia andrej andres andrew andrey andri andrian andrin andrina andrzej andy ane anel anemona anes
aneta anett anette anezka angel angela angele angeles angelica angelika angelina angelino angelique
angelita angelo anghel anghelina angie angus ani anibal anica aniela anika aniko anina anirudh anisa
anisoara anita anja anjali anka anke anmol ann ann-britt ann-charlott ann-charlotte ann-christin
ann-christine ann-kathrin ann-kristin ann-louise ann-mari ann-marie ann-sofi ann-sofie anna anna-karin
anna-lena anna-liisa anna-lisa anna-luise anna-maria anna-marie annabel annabell annabella annabelle
annak annalena annaliese annalisa annalise annamaria annamarie anne anne-kathrin anne-katrin anne-laure
anne-lise anne-marie anne-rose anne-sophie annedore annegret annegrete annekatrin anneke anneleen
annelene anneli annelie annelies anneliese annelise annelore annemarie annemette annemie annemijn
annerose annett annetta annette anni annibale annica annick annie anniina annika annikki annina annita
annukka annunziata anny anouk ansaldo anselm anselma anselmo ansgar ansh anssi antal ante antero anthony
antim antje anto antoaneta antoin antoine antoinette anton antonela antonella antonello antoni antonia
antonie antonietta antonin antonina antonino antonio antonios antoniu antonius antony antoon antti anu
anunciacion anusha anuta anvi anya aodhan aoibheann aoibhin aoibhinn aoife apaydin apolena apolinar
apollo apollonia apolonia apostolos april araceli aradhana aral aran aranka aranzazu arben arbnor arcan
arcelia arda ardian ardit ardita argu ari aria ariadna arian ariana ariane arianna arianne aribert arie
ariel arif arifcan arikol arild arin arina aripinar arisoy aristide aristides aristita arja arjun
arkadiusz arkut arlette arlind arlinda armahan armand armando armas armend armida armin arnaldo arnaud
arnaude arnd arndt arne arnfried arnim arno arnold arnost arnulf arnulfo aroa aron arpad arpag arran
arron arsenie arsenio arsim arta artan artemio artemisa arthur arto arttu artturi artur arturo aru
arunima arvid arvo arya aryan arziye arzu asa asafe asalet asbjorn ascension asdrubal ase asger ashan
ashlee ashleigh ashlene ashley ashling ashton asia asim asiman asir asko aslanhan asliye assar assunta
asta aston astrid astrit asu asuncion atagun atalay atanur atasagun atatore atena atenulf atgun
athanasios atharv ati atilgan atilhan atilio atiyye atnan atte attila aud aude audrey august augusta
auguste augustin augustina augusto aukusti aulikki aulis aune aura aurea aurel aurelia aurelian
aureliana aureliano aurelie aurelio aurica aurora aurore austin autumn ava avi avni avram avsin avunc
axel axelle axenia axinte aya ayaan ayasun ayaydin aybet aybora aycagul aycan aydar ayden aydinbey
aydinc ayduru ayesha aygonenc aygutalp ayhan aykut aykutalp ayla aylil aylin aylla ayman aynilhayat
aynimah aynur ayoub aypar aysan ayse ayseana aysel aysema aysenur aysevim aysoy aysuna aytek ayten aytoz
aytuna ayulker ayush ayushman ayvas ayyaruk azaan azad azade azahar azahara azeglio azeneth azettin aziz
azize azra azucena baba babett babette baccio bachittar badegul bagdas bagdat baghyawati bahaddin
bahadurjit bahittin bahtinur bailey bailie bajram bakhshi baki balatekin balazs balca baldassare
baldomero balduino baldur balendra balhaar bali balint baljiwan balli baltas baltasar balthasar balvan
balveer balz banel banjeet banu baptist barak barbara barbel barbora barbro barbu baris bariscan barkha
barna barnabas barry barsen bart bartek bartholomaus bartolome bartolomeo bartolomeu bas basarab basay
bashan bashkim basil basilio basim basok basriye bastiaan bastian batirhan baturay baudelio bautista
baydu baykan bayman bayram bayruhan baytal bayzettin beat beata beate beatrice beatrijs beatrix beatriz
beau bebe becky beda bedi bediriye bedri bedrich begim begona behiza behrem bekbay bekim bekir bektasi
bela belen belgizar belinda belkize bella bellisan ben bence bendeguz benedek benedetto benedict
benedicte benedikt benedikte benedita benek bengibay bengt beni beniamin benice benicio benigna benigno
benita benito benjamim benjamin benn benno benny benoit benol benone bent bente benthe bento benvenuto
beppe berat beray beren berend berenice bergen berit beriye berkal berki berksay bernabe bernadett
bernadette bernard bernarda bernardino bernardita bernardo bernd bernd-dieter berndt bernfried bernhard
bernhardine bernt bernward berra berran berrin bert berta bertalan bertha berthe berthold bertil berto
bertold bertram bertrand besart besarta besey besim besin besnik beste beth bethan bethany betina betti
bettina betty beverley beverly beyda beyhatun beyler beyzade bezek bhanumati bhavani bhavika bhavini
bhavna bhavya biagio bianca bianka bibi bibiana bican bidayet bieke bienvenida bilal bilay bilender
bilgen bilginur bilgutay biljana bilkay bill billie-jo billy biltas bimala bina binay binbasar binisik
birben birger birgid birgit birgitt birgitta birgitte birgul birsan birsen birte birthe bisar bishakha
bitten bitul bjarne bjorg bjorn blahoslav blaine blake blanaid blanca blanduzia blanka blas blazej
blazena blerim blerina blerta bluette bo boaz bob boban bobby bodil bodo boe boel bogatimur bogdan
bogdana boglarka bohumil bohumila bohumir bohuslav bojan boje boleslav bonifacio bonnie borahan boratas
borbala borge boris borivoj borja borje borris bortecin borys botond boynak bozbag bozena bozerk boztas
brad bradley bradut brady brahim bram brandi brandon brandusa brandy branislav branka branko brayan
breandan breanna brecht brenda brendan breno brent bretislav brett brian briana brianna bridget briek
brigid brigida brigitta brigitte brijesh brinda brit brita britt britt-mari britt-marie britta brittany
brittney brogan bronach bronagh brooke brooklyn bror bruce bruna brunhild brunhilde bruni brunilda bruno
bryan bryce bryony bucur buenaventura buget buhari bujar bukurije bulunc bunyamun burak burakhan burc
burckhard burcuhan bureyre burghard burim burkard burkhard burkhardt busra busranur buyrukhan cabir
cacilia cacilie caetana caga cagdan caglar caglasin cagveren cahal cahir cailin cailum caio caitlin
caitlyn caitriona caius cajsa cakar cakirca cal calcedonio caleb calebe calim calin calista calisto
calixta calixto callan callum calogero calti calum calvin camelia cameron camil camila camilla camille
camillo camilo camok can canal canan canberk candace candela candelaria candelario candelas candeniz
candice candida candido canfeza cangur cannur canseven cansin cantemir cantez canur caoilfhionn caoimhe
caoimhin caolain caolan caomhan capkan capucine cara caragh caren caridad carin carina carine carita
carl carl-heinz carl-johan carla carlijn carlito carlo carlos carlota carlotta carly carmel carmela
carmelita carmelo carmen carmina carmine carminho carol carola carole carolien carolin carolina caroline
carolyn carrie carsten carter cas casandra casemiro casey casian casiana caspar casper cassandra cassidy
cassie catalin catalina catarina caterina cathal catharina catherine cathleen cathrin cathrine cathy
catia catinca cato catrin catrina catrine catrinel catriona caua caue cavit cavuldur cayetana cayetano
cazimir ceara cebesoy cebrian cecile cecilia cecilie cecilio cedide cedric cedrin ceferino celal celem
celestina celestino celia celikkan celikyurek celilay celina celine celso cem cemal cemalettin cemil
cemiyle cenan cengiz centa cerasela cerci cercis cesar cesare cetin cetinsu cevale cevheri cevikoz
cevregul ceyhun ceylin cezar cezara cezary cezayir chaaya chad chaitaly chaitanya chakradev chakradhar
chakrika chaman chameli champak chanakya chanchal chandani chandran chandresh chantal chantel chantelle
charan charis charita charlene charles charlie charline charlott charlotta charlotte charo charvi chase
chasmum chatresh chatura chavvi che chelo chelsea chelsey chema cherie cherith cheryl cheyenne chiara
chita chloe chris christa christa-maria christel christelle christer christiaan christian christiana
christiane christianne christie christin christina christine christl christof christofer christoffer
christoph christophe christopher christos christy chucho chus chuy cianan ciara ciaran ciarrai cidal
cihan cihandide cilga cilli cillian cilly cindoruk cindy cinerk cintia cinzia ciprian cipriana cipriano
ciriaco cirillo cirino cirkeline ciro cisem citlali civgin claas claes claire claire-lise clara clare
clarence clarice clarisa clarissa clark clas claude claudia claudine claudio claudiu claudius claus
claus-dieter claus-peter clavs clayton clelia clemence clemens clemente clementina cleopatra cleto
clifford climaco clinton cliodhna cliona clive clodagh cloe clotilde codie codin codrin codrina codrut
codruta cody cogay cokan cole colette colin colleen collette collin colm colpan colton coluccio colum
conal conall conan concepcion concetta concha conchita conchur conn connie connor conny conor conrad
conrado constanca constance constant constanta constantin constantina constanza constanze consuela
consuelo copur cora coral coralia coralie cord cordula corey corina corine corinna corinne coriolano
cormac cornel cornelia cornelio cornelis corneliu cornelius corona corrado corrie corsin cortney corvin
cory cosima cosimo coskun cosme cosmin cosmina costache costantino costanzo costel costin courteney
courtney craig crenguta crescencia crin crina cristal cristea cristian cristiana cristiano cristina
cristobal cristofor cruz crystal csaba csilla csongor ctibor ctirad cuheyna cuman cuneyit curdin curro
curt curtis custodia custodio cynthia cyprian cyriel cyril cyrill czeslaw daan dacian daciana dafina
dafne dag dagistan dagmar dagmara dagny dagobert daiana daire dairine daisy dajana dakota daksh daksha
dakshesh dalaja dalan dalbir dale dalia dalibor dalila dalkilic dalton damaris damian damiano damien
damini damir damjan damlanur damon damyanti dan dana dani danica daniel daniela daniele daniella
danielle danijel danijela danilo danique danis danny dante danuse danuta dany daphne dara darcy dardan
daria dariana darika darin dario darius dariusz darko darlene darpan darragh darrell darren darryl darsh
daryl dave davi david davide davy dawid dawn dayamai dayar dayita dayna deaglan dean deane deanna
dearbhail dearbhaile dearbhla debbie debby debora deborah debra decebal declan deepa deger degmeer deha
deirbhile dejan del delfina delfino delia delil delphine demetra demetrio demi demi-lee demi-leigh
demirbuken demiriz demirok demiryurek denes denis denisa denise deniz denizalp denkel dennis denny derek
derkay dermot derrick dervla derya deryanur desiderio desiree desmond despina destiny detlef detlev dev
devansh devika devin deviner devon dewi dex dezso dhriti dhruv diamond diana diane diar diarmuid dick
dida didier didina diederik diedrich diego dierk dieter diethard diethelm diether dietlind dietlinde
dietmar dietrich dijana diken dilara dilcan dilder dilfeza dilhus dillon dilsat dilsitan dimas dimitri
dimitrina dimitrios dina dincer dinckol dincsu dinis dino dinu diogo dion dionigi dionisia dionisio
dionne dipta dirican dirk dirlik dita ditmar ditte dittmar divan divya diya dobroslav dochia dogan
doganalp dogannur dogansah doguhan doina dolensoy dolores dolun dom domenic domenica domenico domhnall
dominga domingo domingos dominic dominik dominika dominique domitila domnica don donal donald donat
donata donatella donatello donato doner donna dora doreen dorel dorian doriana dorien dorin dorina
dorine dorinel doris dorit dorita dorle dorli dorota dorotea dorothe dorothea dorothee dorothy dorottya
dorte dorthe doru dorukhan douglas draga dragan dragana dragica drago dragos drahomira drahoslav
drahoslava drew dries drilon drita driton duane duarte ducu duha duilio dulce dumitra dumitrana dumitru
duncan dundaralp dunja duracan durante durdali durgadin durmusali durrusehvar dursadiye dursun duruk
duruoz dusan dustin duuk duyguhan dwayne dylan dylano eadaoin eamon eamonn earl eba ebba ebbe eberhard
eberhardt ebony ebuakil ecaterina ecegul ecemis eckard eckart eckehard eckhard eckhardt eckhart ecrin
eda edaviye edda eddie eddy edel edelbert edelgard edelmira edelmiro edeltraud edeltraut edeltrud eden
edgar edgard edgardo edgubay edhitha edin edina edit edita edith editha edmond edmund edmundo edoardo
edon edona edouard edu eduard eduarda eduardo edvard edvin edward edwin eelis eemeli eemil eerik eero
eesha eetu eeva efe efil eflatun efrain efser eftimia eftimie egbert egenur eggert egil egon egzon
egzona ehrenfried ehrentraud ehrhard eija eila eileen eilis eilish eimear eimer eimhear einar einari
einer eino eira eiravati eirik eitel eivind eivor ekaja ekalinga ekani ekansh ekanta ekantika ekapad
ekaraj ekaterina ekavir ekbal ekber ekiya ekkehard ekkehart ekmel ekrem ekta el ela eladio elaine
elamiye elba elda elea eleanor eleanora elemer elena eleni elenore eleonor eleonora eleonore eleuterio
elfi elfie elfriede elgin elhan eli elia eliana eliane elias elien elif elifnur eligia eligio eliisa
elijah elin elina eline elinor elio elis elisa elisabet elisabeta elisabete elisabeth elisabetha
elisabetta elisaveta elise eliseo elisha eliska eliza elizabeth elize elke ella elladio ellen elli ellie
ellinor elliot elliott elly elma elmar elmer elmeri elmo elna elnur eloa eloah elodia elodie elof eloisa
eloise elona elove eloy elpidio els elsa elsbeth else elsebeth elsie elsy elton elvan elvia elvin elvira
elvis elvy elwira elyas elza elzbieta ema emal emanoil emanuel emanuela emanuele emanuella emanuelly
emanuil emelie emelina emely emer emese emiel emigdio emil emile emilia emilian emiliana emiliano emilie
emilija emilio emilly emily emin emina emine emir emirsan emis emma emma-louise emmanuel emmanuelle
emmerich emmet emmett emmi emmy emperatriz emre emrullah enar encarna encarnacion encarnita enda endre
endrit enea enes enfes engelbert engin enginiz engla eniko enis ennio enno enrico enrique ensar ensari
ensio enver enya enzio enzo eoghan eoin epifanio eral eraldo erasmo eraycan erbay erbil ercan ercihan
erdal erdemer erdibay erdmute erdogan erdursun erem eremia eren erenalp erensoy ergener erginel ergonul
ergul ergun erhard erhardt eric erica erich erick erik erika erin erina erincer erion eris erkan erkilic
erkinel erkki erksoy erland erling ermanno ermenegildo ermes ermutlu erna ernest ernestine ernesto erno
ernst ernst-august ernst-dieter ernst-otto erogul erol eroz ersat ersec ersel ertan erten ertun ertuncay
ervaniye ervin erwin eryildiz eryk eryn erzsebet esa esben esenbay esengun esenturk eshana esila esim
eskil eskinalp esko esma esmanperi esmarelda esmee esmeralda esna esparta espartaco espen esperanza
espiridion esra esref essi esteban estefania estela estelle ester estera esteri esther estrella eszter
eta etelka etelvina ethan ethel etienne etta ettore euan eufemia eufrosina eugen eugene eugenia eugenie
eugenio eulalia eunan eusebia eusebio eusebiu eustaquio eustatiu eutimio eutropio eva eva-lena eva-maria
eva-marie evald evamaria evan evangelia evangelina evangelista evangelos evanghelina evaristo evcimen
evde eve evelia evelien eveliina evelin evelina eveline evelio evelyn evelyne evert evi evie evita evrim
evrimer evy ewa ewald ewan ewelina eyyup ezequiel ezgin ezgutekin ezio faas fabia fabian fabiana
fabienne fabio fabiola fabrice fabricio fabrizia fabrizio fadil fadila fadile fadime fahrullah fainche
faith faize falak falan falguni falk falko fami fanni fanny faqid farah faraj faras farhan fariq faris
faruk fatigul fatih fatiha fatima fatime fatinur fatma fatmanur fatmir fatmire faton faustino fausto fay
faye fayize fazul feargal fearghal febe fedde fedele feden federica federico federigo fedor fehim
fehmiye felice felicia feliciana feliciano felicidad felicitas feline felipa felipe felisa felix
felizitas fem femke fenna fenne fenni ferahdiba ferat feraye ferdi ferdinand ferdinando feremez ferenc
fergal fergus ferhan ferihan ferinaz fermin fermuta fernand fernanda fernande fernando ferre fersan
feryas ferzi fetullah feyha feyruz feyzin feza fiamma fidaye fidel fidela fien fiene fildan filip filipa
filipe filippa filippo filit filiz filofteia filomena finbar finn fintan fiodor fiona fionntan fionnuala
fiorenzo fiorino firdevis fisnik fitan fitim fitnat fito fitore fiyaz flamur flavia flavio flaviu
flemming fleur floare floarea floor floortje flor flora flore florea florence florencia florencio
florent florenta florentin florentina florentine florentino florian floriana floriane florica florim
florin florina florinda floris flurin flurina folke folker folkert fortunata fortunato forum frado fran
franca frances francesca francesco francine francis francisc francisca francisco franciscus franciszek
franck franco francois francoise franjo frank frank-michael frank-peter franka franklin franky frans
frantisek frantiska franz franz-josef franz-peter franz-xaver franziska frauke frazer fred freddy frede
frederic frederick frederico frederik frederike frederikke frederique fredi fredo fredric fredrik
fredrika fredy freia freja freya frida fridolin frieda friedbert friedemann frieder friedericke
friederike friedhelm friedhilde friedhold friedl friedlinde friedo friedrich friedrich-karl
friedrich-wilhelm frithjof fritz frode frusina fryderyk fugen fulgencio fulvio fuzuli fynn gabel gabi
gabino gabor gabriel gabriela gabriele gabriella gabrielle gabrielly gaby gael gaelle gaetano gagan gaia
gail gaja gala galasso galina galip galo ganga gani ganim ganimete ganiye gareth garima garrett garry
gary gaspar gaspare gaston gastone gaurang gaurangi gaurav gauri gaurika gautam gautami gavin gayathri
gazel gazmend geanina gebhard geert geetika geir gelengul gelsomina gelu gema gemma genaro gencaslan
gencay gene genevieve gennaro genoveva gentiana geoffrey georg george georgel georges georgeta georgette
georgia georgian georgiana georgina georgine georgios gerald geraldine geraldo gerard gerarda gerardo
gerardus geray gerd gerda gerdi gereon gerfried gergely gergo gerhard gerhardt gerhart gerhild gerlind
gerlinde germaine german germana gernot gero gerold gerolf geronimo gerrit gerry gert gerta gerti
gertraud gertraude gertraut gertrud gertrude gertrudis gervasio gerwin gesa gesche gesine geta geza
ghenadie gheorghe gheorghita gherghina ghislain ghislaine ghita giacinto giacobbe giacomo giada
giampaolo giampiero gian gian-luca giancarlo gianfrancesco gianfranco gianina gianluca gianluigi
gianmarco gianna gianni gianpaolo gianpietro gica gicu giel giesela gijs gil gilbert gilberte gilberto
gilda giles gilles gillian gillis gilman gina ginette gino ginyas gioacchino gioachino gioele gioffre
gioia gion gionata giorgia giorgian giorgiana giorgio giosue giovanna giovanni girik girindra girish
girolamo gisa gisbert gisela gisele gislinde gitta gitte giulia giuliana giuliano giulietta giulio
giuseppa giuseppe giuseppina giustino giz gizella gladys glauco glen glenda glenn gloria godelieva
godelieve godofredo goffredo gok gokay gokbudun gokce gokcebalan gokcil goken gokhan goknur gokperi
goksev gokten goli goncafer goncalo gonen gonul gonzalo gopal goran gordana gordon gorgunay gorklu gorm
gorsev gosta gote gottfrid gottfried gotthard gotthilf gotthold gottlieb gottlob gotz goyo gozel gozem
grace gracia graciana graciano graciela graeme graham grainne grant gratian gratiana gratiela grazia
graziano graziella grazyna greca greco greet greg greger gregg gregoire gregor gregorian gregorio
gregory greta gretchen grete gretel grethe gretl griet grigore griselda grit gro grzegorz guadalupe
guarino gucal gucluer gucyeter gudrun gudula guenter guenther guglielmo guido guilherme guillaume
guillermina guillermo guiomar guiseppe gul gulaga gulay gulbani gulbeyan gulbiye gulce gulcegun guldam
gulder guldunya gulegen gulel gulenay guler gulev gulfari gulfeza gulgen gulguzel gulhisar gulinaz
gulkadin gulluhan gulmisal gulnaziye gulozge gulper gulsa gulsahin gulsalin gulselin gulsen gulseref
gulseren gulsevil gulsiye gulsu gulten gulter gulus gulzadiye gumustekin gun gun-britt gunar gunaydin
gunbir gunborg gunda gundel gunden gundhild gundi gundolf gundula gunduzalp gunebakan guneet guneri
gungordu gungoren gunhild gunilla gunkurt gunn gunnar gunnel gunner gunsel gunsen gunser gunter gunther
guntram gunver gunvor gurarda gurcuye gurelcem gurli gursal gurten gust gustaaf gustaf gustav gustavo
gustaw gusti gusztav guus guusje guvercin guy guzey gwendolyn gyda gyongyi gyorgy gyorgyi gyozo gyula
gzim habibe haciali hacile hadassa hadrey hafiza hagen hailey hajnalka hajo hakan hakikat hakon halenur
haley halidun halil halina haliye haluk hami hamid hamish hamiyet hampus hamsini hamza hana hanbiken
hanedan hanife hanim hanna hannah hannchen hanne hanne-lore hannele hannelore hannes hanni hanno hanns
hannu hanny hans hans-adolf hans-albert hans-bernd hans-christian hans-detlef hans-dieter hans-dietrich
hans-eberhard hans-erich hans-friedrich hans-georg hans-gerd hans-gerhard hans-gunter hans-gunther
hans-heinrich hans-helmut hans-henning hans-herbert hans-hermann hans-hinrich hans-joachim hans-jochen
hans-jorg hans-josef hans-jurgen hans-karl hans-ludwig hans-martin hans-michael hans-otto hans-peter
hans-rainer hans-rudolf hans-theo hans-ulrich hans-uwe hans-walter hans-werner hans-wilhelm hans-willi
hans-wolfgang hansgeorg hansjoachim hansjorg hansjurg hansjurgen hanspeter hansruedi hansueli hansultan
haralamb haralambie harald harbinaz hardik hardy harinakshi harini haris harish harita hariz harm harold
haroldo harri harriet harrison harro harry harsh harshil hartmut hartmuth hartwig harun harvey hasan
hasbek hasgul hasret hassan hasso hatem hatice hatin hava havali havard havse hayali haydee hayden hayel
hayleigh hayley hayret hayrunnisa hazel hazine hazrat heather hector hedda hedi hedvig hedvika hedwig
hedy hege heide heide-marie heidelinde heidelore heidemarie heiderose heidi heidrun heidy heike heikki
heiko heimo heiner heinfried heini heino heinrich heinz heinz-dieter heinz-georg heinz-gerd heinz-gunter
heinz-gunther heinz-joachim heinz-josef heinz-jurgen heinz-otto heinz-peter heinz-walter heinz-werner
heinz-wilhelm heinz-willi heitor hekime hekmet heleen helen helena helene helfried helga helge heli
helina heliodoro hella helle hellena hellevi hellmut hellmuth helma helmar helmer helmi helmtrud helmut
helmuth heloisa helvi hema hemal hemang hemangini hemani hendrik henife henk henna henner henni henning
henny henri henric henricus henrieta henrietta henriette henrik henrike henrikki henrique henry henryk
heracleea heraclio herbert herberto herdis heribert heriberto herlinde herma herman hermann
hermann-josef hermanni hermelinda hermenegildo hermine herminia herminio hernan hernando herrmann herta
hertha herwig heva heyvetullah hezniye hicsonmez hidde hidir hifzullah hilario hilary hilayda hilda
hildburg hilde hildegard hildegart hildegund hildegunde hilding hilkka hillevi hilma hilmar hiltraud
hiltrud hindal hinet hinrich hipolito hiral hitesh hjalmar hjalte hjordis holger hollie holly holm
homero honore horacio horatiu horea horia horst horst-dieter horst-gunter horst-peter hortense hortensia
horymir hoskadem howard hredhaan hritik huban hubert hubertine hubertus huda hudavent hugh hugo hugues
huguette hukumdar hulda hulya humberto humeyra hunalp hunor hunter hurdogan hurican hurmet hurside
huruyet huryasar huseyin husmen husnuhal hussein huzuri hynek iacob iain ian iancu ianis iara iasmina ib
iban iben ibolya ibrahim ica icimbike ida ide idik idika idiris idriz idun ieremia ignac ignace ignacia
ignacio ignacy ignatz ignaz ignazio igor ihsan iida iiris iisakki ijaya ikbal iker ikiz iklim ikshita
ilalmis ilari ilaria ilarie ilarion ilbek ildefonso ildem ildes ildiko ildiz ileana ilenia ilgi ilhan
ilias ilie ilija ilim ilinca ilir ilja ilka ilkbahar ilkim ilkka ilklima ilmafer ilmari ilona ilonka
ilper ilse ilsu ilteris ilyas imam imane imaran imelda imer imge imke immo imran imre imren imrihan ina
inancli inaya incifir indali india indira indrajit indy ine ines inez ing-britt ing-marie inga
inga-britt inga-lill ingalill ingbert inge ingeborg ingeburg ingegard ingegerd ingela ingelise ingelore
ingemar inger ingetraud ingetraut ingmar ingo ingolf ingrid ingried ingvar inigo inka inken inkeri
inmaculada inna inocencio inocentiu insa insaf intihap ioan ioana ioanina ioannis iolanda ion iona ionel
ionela ionelia ionica ionut iosefina iosif ippazio ira iren irena irene irfan iridenta irina irinel iris
irja irma irmela irmeli irmengard irmgard irmhild irmi irmingard irmtraud irmtraut irmtrud irya iryna
isa isaac isabel isabela isabell isabella isabelle isabelly isac isadora isaiah isaias isak isaque
isaura iscan ise isha ishaan ishani ishanvi ishita ishwar isidor isidora isidoro isidro isikay isiman
isin isis islime ismael ismail ismet ismik ismo isolde isra israel istvan itzel itziar iulia iulian
iuliana iuliu iurie iustin iustina iustinian iva ivan ivana ivanka ivano ivar ivecen iver iveta ivica
ivo ivona ivonne ivy iwan iwo iwona iyiyurek izabela ize izel izgu jaak jaakko jaana jacek jacinta
jacinto jack jackie jackson jaclyn jacob jacobine jacobo jacobus jacopo jacqueline jacques jade jadwiga
jael jafet jagat jagdish jagrati jagvi jai jaime jairaj jake jakob jakub jalmari jalsa jamal james jamie
jamie-lee jamie-leigh jan jan-ake jan-erik jan-olof jan-peter jana janaki janani jane janet janeta
janett janette jani janic janice janick janik janin janina janine janis jankat janko jann janna janne
janni jannie jannik jannis jano janos janosch januja janus janusz janya jaqueline jara jared jari jarkko
jarl jarlath jarmila jarmo jarne jarno jaromir jaron jaroslav jaroslava jaroslaw jaruthip jasin jasmijn
jasmin jasmina jasmine jasmit jason jasper jatin javi javier javiera jay jayda jayde jayden jaylinn
jayne jayson jazmin jean jean-claude jean-luc jean-marc jean-marie jean-paul jean-pierre jeana jeanette
jeanine jeanne jeannette jeannine jedrzej jeet jeevika jef jeff jeffery jeffrey jelena jelle jelte jemma
jena jenaro jenel jenna jenni jennie jennifer jenny jeno jens jens-peter jens-uwe jente jeppe jere
jeremi jeremiah jeremias jeremy jerker jermaine jeroen jerome jeronimo jerry jerzy jesper jesse jessica
jessie jessika jessy jesus jesusa jet jetmir jeton jhalak jil jill jillian jim jimena jimmie jimmy
jindrich jindriska jinthe jip jiri jirina jitka jo joachim joacim joakim joan joana joann joanna joanne
joannes joao joaquim joaquin joaquina job jobst jocelyn jocelyne jochem jochen jodi jodie jody joe joel
joelle joep joerg joeri joey johan johana johann johanna johanne johannes john johnathan johnnie johnny
johny joke jolan jolana jolanda jolanta jolanthe jolene jolie jolien jolijn joline jon jona jonah jonas
jonatan jonathan jonathon joni jonna jonny joona joonas joonatan joost joppe joran jordan jordana jordi
jordon jordy joren jorg jorg-peter jorge jorgen joris jorma jorn jort jorunn jos jose josee josef josefa
josefiina josefin josefina josefine josep joseph josepha josephina josephine josephus josette josh
joshua josiane josip josse jost josua josue jouko jouni jovan jovana jovita joy joyce jozef jozsef juan
juana juanita juanito jude judit judita judith judy juergen juha juhana juhani juho jukka jules julia
julian juliana juliane julianna julie julie-anne julien julienne julieta juliette julijana julio julita
julius juliusz juna june juni junior jurg jurgen juri jurij jurre jussi justin justina justine justus
justyna jusuf jutta juul juulia juuso jyoti jyrki jytte kaan kaarina kaarlo kaat kabir kacper kader
kadinana kahir kai kai-uwe kaija kaique kaisa kaitlin kaitlyn kaj kaja kajetan kajsa kala kalervo kalevi
kalgay kalina kalle kalman kalpit kaltrina kamala kamar kamiel kamil kamila kamilly kamya kanak kandef
kane kanpulat kapagan kara karabas karaca karaer karakucak karan karanbay karatas karcan kardelen kare
karel karen kari karim karima karin karina karine karl karl-august karl-dieter karl-erik karl-ernst
karl-friedrich karl-georg karl-hans karl-heinrich karl-heinz karl-hermann karl-josef karl-jurgen
karl-ludwig karl-otto karl-peter karl-werner karl-wilhelm karla karley karlfried karlheinz karlijn karlo
karlukhan karol karola karolien karoliina karolin karolina karoline karoly karsten kashish kashvi kasif
kasim kasimir kaspar kasper kastriot kata katalin katariina katarina katarzyna katcha kate katelijne
katelyn katerina katharina katharine kathe katherina katherine kathi kathleen kathrin kathryn kathy kati
katia katie katie-louise katja katleen kato katri katrien katriina katrijn katrin katrina katrine katty
katy kauko kaver kavurt kavya kay kay-uwe kayagun kaygusuz kayit kayla kaylee kayleigh kayrabay kazim
kazime kazimierz kealan keano keelan keely keeva kefser keijo keith kelami keld kelli kellie kelly
kelly-anne kelly-marie kelsey kelvin kemal ken kenan kendra kenn kennet kenneth kenny kent kenter kenth
keri kerim kerime kerman kerri kerrie kerry kerstin kerttu kete kevim kevin keya kezban khadija khaled
khalid kiaan kian kiara kibar kick kiera kieran kifaye kike kiki kilian kilicbay killian kim kimberley
kimberly kimmo kinel kinga kira kiramettin kirat kirby kirgiz kirk kirsi kirsten kirsti kirstie kirstin
kirstine kirsty kismet kitan kitti kivilcim kiyasi kizil kiziltunc kjeld kjell kjersti kjetil klaas
klara klare klas klaudia klaudie klaus klaus-dieter klaus-gunter klaus-jurgen klaus-michael klaus-peter
klaus-ulrich klaus-werner klavs klemens klement klothilde knud knut kobe kocabas kocak kockan koen
koenraad koker koktas koldan koncagul konguralp konrad konstantin konstantinos konstanty konstanze kopan
koray korbinian kordula kori korinna korkmazalp kornel kornelia kornelius korugan kosemen kosukhan kotuz
kreszentia kreszenz kriemhild kris krish krisha krishna krista kristel kristen krister kristi kristiaan
kristian kristiane kristie kristien kristiina kristijan kristin kristina kristine kristof kristofer
kristoffer kristopher kristy kristyna krisztian krisztina krisztofer kritika krystal krystian krystof
krystyna krzysztof ksawery kubran kuddusi kujtim kullervo kumar kumral kunibert kunigunda kunigunde kuno
kursad kurt kurtis kushtrim kustaa kutay kutgun kutun kveta kvetoslava kyan kyano kyara kyle kylie
kyllikki kyra laban labinot lacey lacramioara lada ladina ladislau ladislaus ladislav ladislava ladli
laerke laetitia lage laika laila lais lajita lajos laksh lakshit lakshmi lale lalo lambert lamberto lana
lance lander lando laoise lara lara-sophie larisa larissa larry lars lars-ake lars-erik lars-goran
lars-olof lascar lasse lassi laszlo latasha latoya laura laure laureano laureen lauren laurence laurens
laurent laurentia laurentiu laurenz lauretta lauri laurian lauriane laurie laurin laurits laus laust
lavanya lavinia lawrence layla lazar lazaro laze lazzaro lea lea-sophie leah lean leana leander leandra
leandro leane leanne leano leart ledion ledun lee leela leen leena leevi leia leif leigh leila leire
lejla lekha lelia lena lene leni lenka lenn lennard lennart lennarth lennert lenny leo leocadia leocadio
leokadia leon leona leonard leonardo leoncio leone leonel leonhard leoni leonid leonie leonor leonora
leonore leontin leontina leopold leopoldina leopoldine leopoldo leordean leos leroy lerze lesley leslie
leszek leticia letitia letizia levente levi levin lewis lex leyla leyli leyre lezize li lia liam lian
liana liane lias liberto libni libor libuse lica licia lidia lidija lidwina lieke lien lies liesa
liesbet liesbeth lieschen liesel lieselot lieselotte lieve lieven lieze ligia liisa lila lili lilia
lilian liliana liliane lilija lilja lilla lillemor lilli lilly lilo lily limon lina linda linde lindita
lindsay lindsey line linn linnea lino linus lio lioara lioba lionel lipika liridon liridona lirim lisa
lisa-marie lisandro lisanne lisbet lisbeth lise lise-lott lise-lotte liselott liselotte lisette lissi
lissy liv liva livia livio liviu liwia liz liza lize lizz lizzy ljiljana ljubica ljubisa ljudmila lloyd
lo lode lodewijk lodovico loek loes logan lohit loic loida lois loke lola lolita lona lone loni lonnie
lopa lope lora lorcan lore loredana lorelei lorena lorenz lorenza lorenzo loreto loretta lori lorik
lorin loris lorna lorraine lot lothar lotta lotte lotti lou loui louie louis louisa louise lourdes
lourenco lova love lovis lovisa lowe lowie luan luana luara lubomir lubos luc luca lucas lucca luce
lucentiu lucette luchino lucho lucia lucian luciana luciano lucie lucien lucienne lucila lucinda lucio
lucky lucretia lucretiu lucrezia lucy ludek ludger ludivine ludmila ludmilla ludo ludovic ludovica
ludovico ludovicus ludvig ludvik ludwig ludwina lufen luigi luigia luigina luis luisa luise luisina
luitgard luiza luka lukas lukasz luke luljeta lulzim luminita lumir luna lunna lupe lupita lutfi
lutgarde lutgardis lutgart lutz luuk luz luzia luzie luzius lya lydia lydie lykke lynda lyndon lyndsay
lyndsey lynn lynne lynsey maaike maanas maanav maaria maarit maarten maartje macarena macaria macario
macauley macide maciej mackenzie madalena madalin madalina maddalena madeleine madelene madelief
madeline madhav madhavi madison madlen mads mael maelle maeva maeve mafalda magali magarete magda
magdalena magdalene magdolna maggie magne magnus magret magrit mahdi mahigul mahika mahir mahmoud mahmut
mahnaz mahsun mahter mahulena maia maida maija maik maike maiken maire mairead mairtin maite maj
maj-britt maj-lis maja majken majvor makayla maks maksim maksude maksur maksymilian malachy malcolm
malea malena malene malgorzata malik malika malin malina mallory malou malte malthe malva malvina
malwina mamen manan manbir mandy manfred manja manola manole manolo manon mans mansurali manthan manu
manuel manuela manuelita manuella manus manya mar mara marc marcantonio marcel marcela marcelina
marcelino marcell marcella marcelle marcello marcelo marcheta marcia marcial marciano marcin marcio
marco marcos marcu marcus mare mareen mareike mareile marek maren marga margaret margareta margarete
margaretha margarethe margarida margarita margaritha margaud margaux margherita margit margita margitta
margo margot margret margreth margrethe margrit margrith marguerite mari maria maria-luise
maria-theresia mariah mariam marian mariana mariane marianela mariangela mariann marianna marianne
mariano maribel marica maricela maricica maricruz marie marie-christine marie-claire marie-claude
marie-france marie-jeanne marie-jose marie-laure marie-louise marie-luise marie-rose marie-sophie
marie-theres marie-therese mariechen marieke mariele mariella marielle marieluise marietta mariette
marija marijan marijana marijke marijn marika marilena marilyn marin marina marine marinela marinette
marino marinus mario marioara mariola marion marisa marisela marisol marissa maristela marit marita
maritta mariuca marius mariusz marja marja-leena marja-liisa marjaana marjan marjatta marjo marjorie
marjukka marjut mark marketa marketta markku marko markus marleen marlen marlene marlies marliese marlis
marlise marlon marlyse marnix mart marta marte marten martha marthe martijn martim martin martina
martine martino martirio marton martta martti martyn marvin mary maryam maryline maryse marzena masar
maside mason massimiliano massimo masume mate matei matej mateo mateus mateusz matheo matheus mathew
mathias mathieu mathijs mathilda mathilde mathis matias matilda matilde mato matous mats matteo matthaus
matthew matthias matthieu matthijs matti mattia mattias matts matyas maud maude mauno maura maureen
mauri maurice mauricio maurilio maurin maurits mauritz maurizio mauro maurus maurycy max maxi maxim
maxima maxime maximiano maximilian maximiliano maximino maximo maxwell may maya maynur maysa mayte
mazlum mckenzie meabh meagan meaghan mechthild mechthilde mechtild mecide mecit medina meera mees
mefarettin mefharet meg megan megane megha meghan meghana mehdi mehdiye mehmed mehmet mehmetzahir
mehrigul meibh meik meike meinhard meinolf meinrad meja mekhala melaha melania melanie melchior melchor
melek meleknur melihcan melikkan melina melinda melisa melissa melita melitta melker melle melody melul
melvin melwin memili menfeat mengi menguc menisan mentor meral merba mercedes merche merdi meredith
merel meret merete merethe mergim merijn merim merita merja merle merlin mert mertel merva mervi meryem
meryeme merzuk meshur mestur mesude mesut meta metin metinkaya mette meveddet mevludiye mevlut meyhanim
mezide mia micael micaela micha michael michaela michaele michail michal michala micheal micheala michel
michela michelangelo michele micheletto micheline michelle michelotto michiel mick mie mieke miel
mieszko miguel miguela mihaela mihai mihail mihajlo mihaly mihin mihnea mihrab mihriye miia miika mijo
mik mika mikael mikaela mikayla mike mikhail mikkel mikko miklos mikolaj mikulas mila milada milagros
milan milay mile milena milica milka milla mille milo milorad milos miloslav miloslava milosz milou
milton miluse mimi mimmi mimoza mina mindy minerva minibe minna minodora mio mioara miodrag mira
mirabela miran miranda miray mirbadin mircea mirco mireia mireille mirela mirella miriam mirja mirjam
mirjami mirjana mirko mirlinda miro miron mirona miroslav miroslava miroslaw miroslawa mirsad mirta
mirte mirthe miruna mischa mishat misra misty mitali mitchel mitchell mitesh mitica mitrut mitzy
miyesser mladen moa modesta modesto mogens mohamad mohamed mohammad mohammed mohini mohsim moira moises
mojmir mollie molly mona monalisa monica monika monique monis monja montserrat morena moreno morgan
morgane moritz morris morten muarra mubetcel mucahit mucellib mucevher muferrih mufide mufit mugber
mugdha mugur mugurel muhamed muhamet muhammad muhammed muhammet muharrem muhip muhiye muhyettin mujde
mukbile mukramin mukrume muktedir mulayim mumtaze munezzer munif murat muratcan muret muriel murielle
murilo murit musa musafet musaffa musemma muslum mustafa mustapha musure mutasim mutluhan muvaffak
muvahhide muveddet muzaffer muzekker my myles myriam myrta myrtha myrthe nabil nachiket nacho nacio nada
nadege nades nadeschda nadeshda nadezda nadia nadin nadine nadja nae nael nafii nafile naiara naide naim
nair naja nakip naksh nakul nalan nana nancy nand nandini nando nandor nanna nanni naoimh naoise naomh
naomi napoleone narcis narcisa narciso narhanim nas naser nasiba nasuf natacha natali natalia natalie
natalija natalio natalja natan natanael nataniel natasa natascha natasha natasja natasza nath nathalie
nathan nathanael nathaniel natividad naud naveen nayara nayeli nayil naz nazaret nazario nazende nazi
nazidil nazimet nazlihan nazlim nazmi nea nebih nebiha nebojsa necati necdat nechifor necilal necmettin
necva nedda neel neelima nefaret nefiye neha nehip neil nejdet nela nele nelida nelio nelli nellie nelly
nelson nelu nemanja nenad neo neptun nerea nereida neriban nerim nermin nesfe nesip neslinur nesrin
nestor nete netra neval nevenka nevgin nevin nevio nevise nevsal nevsale neyran nezengul nezihi nezize
niall niamh nicanor niccolo nichifor nichola nicholas nichole nick nicklas nicky niclas nico nicoara
nicodemo nicodim nicola nicolae nicolai nicolaie nicolaj nicolas nicolasa nicolaus nicole nicoleta
nicoletta nicoline nicolo nicu niculina niculita nicusor nicuta nidhi nidia nidra niek niels nienke
nieves nigel nigmet nihai nihal nihan niharika niilo niina nik nika nikita nikki niklas niklaus niko
nikodem nikol nikola nikolai nikolaj nikolaos nikolas nikolaus nikolett nikoletta nikolina nilcan nilda
nili nilima nilo nils nimrat nina ninetta nino ninthe nirgul nirja nisa nisha nitara nitesh nives niyazi
noa noah noe noel noelia noella noelle noemi noemie nolan noman noor noora noortje nora norah norbert
norberto nore norica norina norma norman notburga noud nour nout nova nuala nudret nuno nura nural nuran
nuray nurbanu nurcan nurda nurdeniz nuretdin nurettin nurey nurgil nurhayet nuri nuria nurice nuriyet
nurkan nurmelek nursan nurseda nurser nursim nurtac nurten nurullah nurveren nuyan nydia nynke oana
obdulia oceane octav octavia octavian octaviana octavio octaviu oda odalis odalys odd odeline odette
odhran odika odile odkanli oeshi ofelia oganer oge oget ogulbas ogurata ogus oguzman oisin oiva oivind
ojas ojasvi ojvind okanay okbay okguclu okkas okseven okturemis okturk okyalaz ola olaf olalla olav
olavi olca oldag oldrich ole olegario olena olfert olga olgierd olimpia olimpian olimpiu oliver olivia
olivie olivier oliviu oliwer oliwier olle olli olof olov olus om omaca omaja omar omer omisha omkaar
omriye omur omya onat oncel ondrej onel ongay ongen oni onkar onni onofre onsal onuker onur onurcan
onursu onveer oona oonagh ophelie oran oranli orazio orcin oreste orfhlaith orfiye orgun orhan oriana
orik orinder orjan orla orlagh orlaigh orlaith orlando ornella orni orsolya ortak ortansa ortrud ortrun
ortwin oruc orvokki oryurek oscar osha oskar oskari osman osmo ossi ossian osten osvald osvaldo oswald
oswaldo oswin otakar otavio otay otfried othmar otilia otis otmar oto ottavio ottfried ottilia ottilie
ottmar otto ottokar ottomar ottone otylie outi ove over ovidio ovidiu oviya ovli ovun owe owen oxana
oymak oystein oyvind ozakan ozalpsan ozana ozansu ozaslan ozay ozbay ozbilek ozbilge ozcam ozdal ozdes
ozdil ozdogdu ozel ozerdinc ozertem ozge ozger ozgun ozgur ozinal ozkent ozkutlu ozlem ozlu ozokcu
ozpetek ozpinar ozsozlu oztek ozturk ozudogru ozyurt paavo pablo paca pacifica paco padraic padraig
padraigin pahal paige paivi paivikki paker paksu pal pallavi palle palmira paloma pam pamela pamfil
panagachie panait pancho panfilo panini paola paoletta paolo par paraschiva paride parker parth pascal
pascale pascual pascuala pasi pasqual pasquale pastor pastora patric patrice patricia patricie patricio
patrick patrik patrizia patrizio patru patryk patty paul paul-gerhard paul-heinz paula paulette pauli
paulica paulien pauliina paulina pauline paulino paulo pauric pavani pavel pavla pavlina paw pawel paye
paz peadar pearce pearse peder pedro peer peggy pehlil pekka pekkan pelayo pelle pellegrino pembesin
penelope penny pentti pepe pepijn pepita pepito per per-erik per-olof peren perinur perla perlita permun
pernilla pernille pero perry pertti pesent petar pete peter peter-michael petr petra petre petri petrica
petrisor petrona petronela petros petru petrus petrut petruta petter petteri phileine philip philipp
philippa philippe philippine phillip philomena phoebe phyllis pia piaras piedad pien pier pierangelo
pierce piergiorgio piergiuseppe pierina pierluigi piermaria piero pierpaolo pierre pierrette piersanti
piet pieter pieter-jan pietra pietro piia pilar pili pim pina pio piotr pippa pirahmet piran pirjo
pirkko pirmin piroska pius placido plesu pleun plinio pol polina polly pompeo pompilia pompiliu pomponio
poncio pontus pooja porfirio poul pranav praneel pranit pratyush preben predrag premysl preston
primitiva primitivo prisca priscila priscilla prisha priska priya profira prudencia prudencio przemyslaw
puccio puck puk purcek purificacion pushti qabil qadim qarin qasim quentin quincy quinn quinten quinty
quique quirino qushi raagini rabbiye rabea rabih rachael rachana rachel rachelle rachid rachit rachita
rada radek radha radhika radim radka radmila radomir radoslav radoslaw radovan radu raducu rael raf rafa
rafael rafaela rafal raffael raffaela raffaele raffaella raffaellino raffaello rafia rafih rafila raghav
ragna ragnar ragner ragnhild rahel rahiye rahmet raija raik raili raimo raimondo raimund raimundo rainer
raisa raissa rajata rajeshri rakide raksha ralf ralf-dieter ralf-peter ralph raluca ramadan ramazan
ramiro ramiz ramon ramona rana ranbir randall randi randolf randy rani rania ranieri ranveer raoul
raphael raphaela raquel rares rasmus rasul raul rauno raven ravi ravy ray rayaan rayan rayana rayla
raymond raymonde raymund razi razvan rebeca rebecca rebecka rebeka rebekah rebekka rebihat recep
recepali reece refet refik regan regina reginald regine regitse regitze regula regulo rehaan rehime
reidun reijo reimar reimer reimund reina reinald reinaldo reine reiner reingard reinhard reinhardt
reinhart reinhild reinhilde reinhold reino reka relu remazan rembrandt remedios remi remigio remo remus
remy remzi rena renaat renan renata renate renato rene renee rengul reni rens renske renzo resi resulcan
reto reuben reva revza rexhep reyansh reyes reyna reynaldo reza rezin rezzak rhavi rhian rhianna rhianne
rhiannon rhonda rhys ria rian rica ricarda ricardo riccardo ricciotti richard richardt rick rickard
rickey ricky rico ridhi rifkiye rigmor rigo riikka riitta rik rikard rikke riku riley rina rinaldo rino
rinor risalet rishi risto rita ritt ritva riya riza roan roar rob robbe robbie robby robert roberta
robertina roberto robin robyn rocco rochus rocio roderich rodica rodney rodolfo rodrigo roel roeland
rogelio roger rohan rohat roise roisin rojnu roksana roland rolando roldan rolf rolf-dieter rolf-peter
romain romaine roman romana romane romanita romano romeo romina romolo romuald romulo romulus romy ron
ronald ronaldo ronan ronith ronja ronni ronnie ronny rony ronya roope roos roosa roque rory rosa
rosa-maria rosalba rosalia rosalie rosalina rosalinda rosalinde rosalva rosanna rosaria rosario rosaura
rose rose-marie roseanna rosel roselinde rosemarie rosemary rosenda rosendo rosetta rosette rosi rosie
rosina rosita rosl rosmarie ross rossana rostislav roswita roswitha rotraud rotraut rouven rowan roxana
roxane roxelana roy roza rozalia rozsa ruairi ruari ruben ruby rudi rudiger rudolf rudolph rudra rudy
ruedi rufina rufino ruggero ruggiero ruhide ruhsat ruhugul rui ruknettin rumeysa rune rupert ruperta
ruperto rusen rushil russell rut ruth ruthild ruxanda ruxandra ruy ruzena ruzica ryan ryszard saanvi
saar saara saba saban sabas sabatino sabettin sabih sabihe sabin sabina sabine sabir sabri sabrina sacha
sachi saci sadat sadeti sadik sadiman sadittin sadiye safet safii safinaz safta safura saga sagcan sagit
sahat sahdiye sahigul sahil sahin sahinbey sahinder sahir sahmettin sahnuray sahra sai said saire sakari
sakip saksham salami saleh sali salih salimet salkin sally salma salome salomea salomon salud salurbay
salvador salvatore salvi sam samahat samaksh samanta samantha samar samarth samesh sami samiha samir
samira sammy samu samuel samuele samuli samurtay sanavber sanaya sancak sancar sancho sanda sandalio
sander sandor sandra sandrine sandro sandu sandy sanela sanije sanja sanli sanna sanne sanni sante
santeri santiago santino santos sanur sanya sanziana saoirse sara sarah sarah-jane sarah-louise sargin
sari saricabay sarina sarita sarka sarpkin sarthak sarya sasa sascha sasha saskia sathvik satia
satrettin satu saturnina saturnino saul saumya sava savak savannah saverio saveta savina savki savni
sayan saydam saygin sayin sayrak sazime scot scott seamus sean sean-paul seana seanan seaneen seanna
sebastiaan sebastian sebastiano sebastiao sebastien sebattin sebigul sebla secgul secme seda sedat
sedife sefer sefi sefiye segismundo seha sehamet sehel sehreban sehza seija sejda sekim selaheddin
selale selatin selcen selcuk selena seler selim selime selin selina seline selma selmin selvi sem semat
semender semenica semine semir semra semrin semsettin semsinisa sena senad sencar sendogan seniha senkal
senn senna senne sennur senol senta seona sep sepp seppe seppo seracettin serafeddin serafin serafina
seraina serban serda seref sereina serena serezli serfinaz serge sergei sergej sergio sergiu sergius
serhatmehmet serkan serma serman sernur serol serpil server servinaz sessa seth sevcan sevdi sevdinar
seve sever severiano severin severina severine severino severo sevgen sevginur sevican sevim sevindik
sevket sevketfeza sevla sevsevil seyda seydo seyfullah seyhan seyithan seyyide sezal sezen sezginbas
shaban shana shane shania shanice shanna shannan shannen shannon shari sharon shaun shauna shauneen
shaurya shawn shawna shay shea sheena sheila shelby shelia shelley shelly sheree sheri sherri sherry
sheryl shirley shivani shivansh shona shpresa shqipe shravya sian sibel sibilla sibille sibylla sibylle
sidar siddharth side sidki sidonia siebe siegbert siegfried sieghard sieglinde siegmar siegmund siegrid
siegried siegrun siegward siem sien siena sienna sierra sigfrid sigfrido sigfried sigge sigismund
siglinde sigmar sigmund signe sigrid sigrun sigurd sigvard siiri sil sila silan silanur silas silja
silje silke sille silva silvan silvana silvano silvester silvestre silvestro silvia silvian silviana
silvie silvio silviu simao simber simen simeon simi simina simion simo simon simona simone simonetta
simonne simten sina sinaida sinan sinasi sindre sine sinead sini sinica sinikka sinisa siobhan siofra
siper sirap siri sirivan sirkka siro sirpa sirriye sisko sissel siti sittik siv sivert sixten siya
siylihan sjoerd skender sladjana slavena slavica slavisa slavko slavomir slawomir slobodan smaranda
sneha snezana socorro sofi sofia sofie sofija sohret sokmen sol solange sole soledad solene solma
solveig solvej sona sonad sondre songul songurkan sonia sonja sonke sonnur sonny sonya sophia sophie
sophie-louise sophie-marie soraia sorana soraya sorcha soren sorin sorina sorine sos sosimo soydaner
soykan soykut soyler soyselcuk sozer spencer speranta stacey stacie stacy staffan stan stana stanca
stancu stanislaus stanislav stanislava stanislaw stanley stavros steen stef stefaan stefan stefana
stefani stefania stefanie stefano steffen steffi stein steinar stela stelian steliana stella stellan
steluta sten stepan stepanka stephan stephane stephanie stephany stephen sterre steve steven stewart
stian stien stig stijn stilla stina stine stjepan stuart sture suat suayp subutiye sucaettin sudi
sudiksha sue suha suhani suheyda sukri sukru sukufe suleyla suleyman sulhi sultane sumerya sumeyye
summer sunay sune sunel suner suphi susam susan susana susanita susann susanna susannah susanne suse
susen susi sussanne sussie suus suvari suvi suzana suzanna suzanne suze suzer suzy svante svatopluk
svatoslav svea svein sven sven-erik sven-olof svenja svenning sverre svetlana swantje swen swetlana
sybilla sybille sydney sylke sylvana sylvester sylvia sylviane sylvie sylvio sylwia synnove sys szabolcs
szilard szilveszter szilvia szymon tabea tabitha taciddin tacnur tadeas tadeo tadeusz tagangul tage
tahir taina taisto talayer tali talibe tamanna tamara tamas tamaydin tami tammie tammy tan tanak tanay
tanbay tandogdu taneli tangul tanhan tania tanir tanish tanja tanmayi tanner tanpinar tanses tansev
tansig tanveer tanvi tanya tanyolac tanyu tapani tapio tara tarak taranci tarik tarja tartis taru tasar
tasha taskan tassilo tasvir tatiana tatjana tatu tauno tayaydin taygan taylak taylor tayyibe tayyip tea
teber tecimer tecla ted teea teemu teerth teija tejas tejs tekbay tekecan tekiner teknaz teksoy telemaco
telim tellervo telmo telse temime temirhan temistocle temizkal temucin tenvir tenzin teo teobaldo teodor
teodora teodoro teodosia teodosio teofil teofila teofilo teohari teona tercan tere terence teresa terese
teresia teresita terez tereza terezia terhi terje terlan tero terrance terrence terri terry terttu tess
tessa teun teuta teuvo tevs teybet tezcan tezol thaddaus thales thea theda thekla theo theobald theodoor
theodor theodora theodore theodoro theodoros theophil theophile theres theresa therese theresia thi
thiago thibault thibaut thibo thierry thies thijmen thijn thijs thilo thom thomas thor thoralf thorben
thore thorsten thure tia tiago tiarna tiarnan tibe tiberia tiberiu tibo tibor tiburcio ticen tiegan
tiernan ties tiffany tigin tiia tiina tijl tijmen tijn tijs til tilda tilde till tillmann tilly tilman
tilmann tilo tim timea timm timmy timo timon timotei timoteo timothee timothy timurtas tina tinal tinca
tincuta tindra tine tineke tinne tino tirza tito titus tivadar tiziana tiziano tobias tobiasz toby todd
todor togan toivo toker tokoz toktug tola tolonbay tom toma tomas tomasa tomasz tome tomi tomislav
tommaso tommi tommy tomurcuk tone tonguc toni tonia tonicha tonino tonje tonny tono tony tonya toon
topias topuz tor tora toralf torben torbjorn tord tore torel torgny torhan tori toribio torill torquato
torsten tory tova tove toy tracey traci tracie tracy traian traude traudel traudl traugott traute travis
trevor tricia trine trini trinidad tripti tristan triveni triya troels trond troy trude trudel trudi
tuana tudor tudora tudorita tudosia tugcan tugce tugrulhan tugtas tuija tukelalp tulay tule tulin tullio
tulun tumer tumkurt tunahan tuncboga tunckilic tunde tunguc tuomas tuomo turabi turcan turcein ture
turgut turid turkalp turkan turkmen turknur turvi tutkucan tutkun tuukka tuula tuuli tuulia tuulikki
tuur tuva tuyug tuzeer tuzenur twan tycho tygo tyler tymon tymoteusz tyra tyrone ubaldo uberto
ubeydullah ubika ucan ucbeyi ucchal ucgul udant udarsh udo udyati ueli uffe ufukay ugan uge ugo ugolino
ugur ugurkan ugurtan ulakbey ulf ulfet uli ulises ulke ulkudes ulkum ulla ulla-britt ullrich ulrica
ulrich ulrik ulrika ulrike ulu uludag ulugbey uluman ulutay umang umberto ummahan ummahani umman ummet
ummuhan umray umusan umut umutcan una unal undine unek unlen unnati unni uno unsever unubol uolevi
upadhriti upasna upkaar upma uraltay urbain urban urbano urfettin urhan uriel urishilla urmi urper urs
ursel ursina ursula urszula urte urvashi urvi us usame uschi ushan ustun uta ute utkarsh utkucan utz uwe
uyanser uygun uzbay uzer uzsoy vacibe vaclav vadim vafir vagn vahittin vaino vaishnavi vajen vala
valborg valdemar valentijn valentim valentin valentina valentine valentino valere valeri valeria valerie
valerij valerio valeriu valero valeska valon valter valtteri vamakshi van vanda vanesa vanessa vania
vanja vansha vanya varenya vargin varlik varsha varvara vasana vasatika vasco vasile vasilica vassilios
vasudha vasyl vaysal vecide veda vedant vedat vedhika vedika veer veera veerle veeti vefia vega vegard
veijo veikko veis veit veli velitdin venancio venceslas vendela vendula venera veniamin venla vera verde
verena verim verner verneri vernon veronica veronika veronique vesa vesna veta vezat vezrife vic vicenta
vicente vicentia vicentiu vicki vickie vicky victoire victor victoria victoriano victorino vidal vidar
vide vidhi viggo vigo vihaan viivi viking viktor viktoria viktorie vildane vilde vilem vilgot vilhelm
vilhelmiina vilhelmina vilho viljami viljo villads ville vilma vilmer vilmos vinaya vince vincent
vincentio vincentiu vincenza vincenzo vinicio vinicius vinko vinzenz viola violeta violetta violette
viorel viorela viorica virag viraj virgilio virginia virginie viridiana virpi visar visarion visitacion
vit vitali vitezslav vito vitor vitoria vittoria vittorio vitus vivaan viveka vivian viviana viviane
vivianne vivien vivienne vjollca vlad vladelina vladimir vladimira vladislav vlado vlaicu vlasta
vlastimil vlora voichita voicu vojtech volkan volker volkhard volkmar vratislav vreneli vrinda vrishti
vritti vuokko vyanjana wahab waida wakeeta walburga waldemar waldtraut walentina walfried walli wally
walter walther waltraud waltraut waltrud wanda wannes ward warda warhi warinder warjas warre warren
watika wayne wazir weena wenche wencke wendelin wendolin wendy wenke wenzel wera werner wesley wessel
whitney wibke widisha wiebke wieland wieslaw wigbert wiktor wilfredo wilfrido wilfried wilfriede wilhelm
wilhelmina wilhelmine wilhelmus wille willem willfried willi william willibald willibert willie willy
wilma wilmer wilson wiltrud wim winfried winni winnie wishi witold wladimir wojciech woldemar wolf
wolf-dieter wolf-dietrich wolf-rudiger wolfgang wolfhard wolfram wout wouter wriddhish wridesh wulf
wyatt xalak xander xaver xavi xavier xenia ximena xiomara xiti yachana yadavi yadigar yael yagin
yagizkurt yagnesh yago yahsi yahsikan yahvi yaiza yalazabay yalgin yalin yaltirak yamin yamini yan yana
yanick yanik yanis yanki yann yannic yannick yannik yannis yara yargi yasan yasar yasattin yasemen
yasemin yash yashasvi yashawini yashica yashoda yashodhara yashvi yasin yasmin yasmina yasmine yassin
yassine yasti yatan yatin yauvani yavuz yayak yazganalp yazgul yda yekbun yekda yelesen yeneral yeni
yepelek yertan yesenia yesica yesil yessica yetisal yfke yigit yildir yildiz yilma yilmaz yinthe ylenia
ylva ylvie yngve yochana yolal yolanda yolande yonetmen yoruc yoshita yosma younes yousef youssef yrjo
yrsa yucel yucelen yug yumun yunt yurdanur yurdaser yuri yuridia yurtguven yurtseven yurttas yusuf
yutika yuvraj yvan yves yvette yvonne zac zacarias zach zacharias zacharie zachary zaharia zahfer zahid
zahra zaid zaida zaira zaitra zak zakaria zalan zaliha zamfir zamfira zamir zaneta zansi zara zaraza
zarna zashil zayan zayyan zbigniew zbynek zdenek zdenka zdislava zdravko zebirce zeferino zehaan zehnia
zehra zehranur zekayi zeki zelha zeljko zelma zemzem zenia zennun zeno zenobia zenon zenovia zenta
zerafet zeride zevlude zeynelabidin zeynep zeyno ziggy zihni zikmund zilfa zilmil zina zinal zinnure
zita ziyaettin zlatko zoe zoey zofia zofie zohrehan zoltan zora zoraida zoral zoran zorica zsanett
zsigmond zsofia zsolt zsombor zsuzsanna zubeyde zufer zuheyla zulbiye zulfuye zulgarni zumre zuzana
""")

SURNAMES: frozenset[str] = words("""
aalto aaltonen aalts aanei aarden aarts aas aasen ababei abad abascal abatantuono abate abba abbagnale
abbas abbott abdi abdullah abella abellan aberg abrahamsen abrahamsson abrego abreu abril accardo acedo
acerbi acero acevedo acharya achison achleitner ackerl ackermann acosta acuna adadia adam adame adams
adan adelaar adinolfi adkins adler adolfsson adolph adriaansen adriaensdr adriaense adriaensen
adriaenssens adryaens aebi aeby aeije aerts aertsz agarwal agate agazzi aggarwal agnesi agnew
agostinelli agostini agrawal agren aguado aguayo agudo aguilar aguilera aguilo aguirre agullo agusti
agustin ahearn ahearne ahern aherne ahlberg ahlgren ahlin ahlqvist ahlstrom ahluwalia ahmad ahmadi ahmed
aho ahokas ahola ahonen ahuja aichholzer aichinger aigner ainsboro airaksinen ajello akar akca akcay
akdeniz akerlund akerman akesson akgunduz akhtar aksu alanen alanko alarcon alatalo alba alber alberdi
albero alberola albers albert albertini alberto alboni albrecht albu albuquerque alcala alcalde alcantar
alcantara alcaraz alcazar alcolea aldobrandi alegre alegria alejandro aleman alemany alemdar alexander
alexandersson alexandre alfaro alfieri alfonsi alfonso alfredsson ali aliaga alighieri allain allan
allard allen aller allis allison alm almagia almagro almansa almanza almaraz almazan almeida almgren
almonte almqvist aloisio alonso alonzi alonzo alpaidis alsina altamirano altera altmann alva alvarado
alvarez alves amador amaldi amalrada amann amaral amat amato amaya amble amigo ammaniti ammann amo amon
amor amores amorim amoros amrein amundsen anand anastasi anaya anderberg anderl anders andersen anderson
andersson andra andrade andre andreasen andreassen andreasson andren andreotti andreozzi andres andresen
andreu andrews andries angeli angerer angiolello anglada anguiano anguillara anguissola anguita angulo
angus anichini anjos anne annsboro ansboro ansems antal antelami anthony antikainen antoine anton
antonacci antonelli antonello antonetti antonini antonioni antonsen antonsson antonucci anttila anttonen
antunes antunez aparecida aparicio apodaca aponte aporti appelman apte aragao aragon aragones aramburu
arana aranda araujo arce archer archuleta arco arcos ardelean arellano arenas arens arent arevalo argan
argentero argenti argento arguello argurio arias ariasso ariens arino ariosto ariza arjona armani armas
armellini armendariz armengol armenta armstrong arnaiz arnal arnau arnaud arnesen arnold aro aroca
aronsson arora arranz arredondo arregui arreola arriaga arribas arrieta arroyo arslan arsoy arteaga
arthurs artigas artner arts arvidsson arya asberg aschauer aschman asenjo asensio ashe ashman ashton
asikainen aslan aslund asmundo asp asplund asprucci assuncao astrom atchison atienza atkins atkinson
atwal atzler aubert aubry auer auger augustin augustsson auinger aulenti aumann aune aurora austermuhle
austin autio auvinen avalos avila aviles avogadro axelsson ayala ayllon aylward ayuso azcona azevedo
aznar azorin babati babato babbo babey babu baca bach bacher bachinger bachler bachmann back backer
backlund backman backstrom bacosi badal badami badan badel bader badia badillo badoer badoglio baele
baena baert baeten baetens baeyens baez baeza baggio baglioni bahena bahl bahon bahr bahri baier bail
bailey bailly bains bajaj bajamonti bajardi bajwa baker bakke bakken bakker bakos bakshi bal bala
balaguer balakrishnan balan balasubramanian balay balazs balbi balbo baldauf balderas baldwin bale bali
balint ball balla ballard ballester ballesteros balmat balog balogh balotelli bandello bandeville bandi
banerjee banik banks bann bannon banos bansal banuelos banville baptista baquero bar baracca barad
barajas baral barba barbarigo barbe barber barbera barberini barbero barbey barbier barbosa barbu
barcaccia barcella barcelo barcena barco barela barents barer barese baresi baria barillaro barillon
barker barkholz barlow barman barna barnes barnett barneville baro baroffio baron barozzi barracco
barragan barral barranco barraza barre barreda barrena barrera barreto barrett barrientos barriga barrio
barrios barrnette barron barros barroso barry barsanti barta bartels barth barthelemy bartl bartlett
bartley bartoli bartolome barton bartos bartosova bartova barzini bas basadonna basak bass bassi basso
bastiaanse bastiaense bastida basu bataglia batalla bates bath batista batlle batra batta battaglia
battelli battig battisti baudry bauer baum baumann baumgartner baur bautista bauwens bauza bava bavaud
bave bawa baxter bayer bayo bayon bayona bazin bazzi beakey beal beale beasty beattie beatty beccaria
beccheria becerra bech becht beck becker beckers beckmann bedi bednar bednarova beeckman beekman beer
beernaert beernink beffa beggan beggs begley begue beguelin beguin begum behan behl beier beijring beirn
beirne bejarano bekaert bekbergen belda bell bellemans belletini bellido bellini bello bellocchio
bellucci belmans belmonte belpere belton beltran bembo ben benard benavent benavente benavides benavidez
bender benedetti benes benesova benet bengtsson benigni benitez benito bennet bennett benoit benson
benthin bentley benussi benz beourgeois bera beran beranek berankova beranova berberat berchtold berends
berendse berengario berenguer beresford berg bergdahl berge berger berggren berghmans bergin bergkvist
berglund bergman bergmann bergoglio bergqvist bergsten bergstrand bergstrom bergvall berlusconi bermejo
bermingham berminghim bermudez bernaards bernad bernal bernard bernardi bernardini bernasconi bernat
berner bernetti berney bernhard bernie bernier bernini berntsen berntsson berre berrios berrocal berry
bersani bertels bertelsen berthelot bertho berthold bertilsson bertin bertoli bertolucci bertoni bertran
bertrand bervoets besancon besencon besnard besse besson betancourt betschart bettin bettoni beuchat
beuret beurret bevan bevilacqua beyens beyer bezemer bhagat bhakta bhalla bhandari bhardwaj bhargava
bhasin bhat bhatia bhatnagar bhatt bhattacharyya bhatti bhavsar biagi biagiotti bianchi bianchini bibi
bichler biedermann bien bieri bierstraten biesty biggen bignami bignardi bigot bijlsma bilbao bilek
bilge bilgin bilir bilkova billung binaghi binder binner bir birch bird birkeland birmingham birnbaum
biro bischof bishop biswas bitschnau bittner bixio bjork bjorklund bjorkman blaak black blackburn blaha
blahova blair blake blanc blanca blanch blanchard blanche blanchet blanco blanes blasco blaser blasi
blauensteiner blazek blazkova blazquez blees bleijenberg blewanus blin blixt bloch bloemendaal blokland
blom blomberg blomgren blomkvist blommaert blomme blomqvist blondeel blondel blonk blot blum blumel
boada boaga boase bobal bocca boccaccio boccherini boccioni bocelli bochud bock boddaugh bodin bodkin
bodnar bodner bodoni boe boechat boeckx boer boers boeser boetet boezio bogaert bogaerts bogan bogdan
bognar bogner bohan bohlander bohler bohlin bohm bohman bohnbach boiardo boichat boillat boitani boito
boix bokenkamp boland bolander bolanos boldu boles bolger bolin bolkesteijn bollen bolliger bolnbach
bolton bolzmann boman bombieri bompiani bonanno bonar bonatti bonaventura bonbach bond bondumier boner
bones bonet bongiorno bonilla bonino bonneau bonner bonnet bonnin bonolis bonomo bonte bonvin bonvini
booden boogaerts boon boone boonen booth bora borah borbely borde boreland borg borges borghese borgia
borgstrom borja borjesson borland borman borner boros borra borrani borras borrego borrell borremans
borromeo borromini borroni borsellino borsiere borzomi bos bosch bose bosio bosman bosmans bosshard
bossi bossuyt bostrom bosurgi botella botello botta bottaro botteron botticelli bottigliero bou boucher
bouchet bouckaert boucsein boudewijns bouhuizen boulanger boulay bourdon bourgeois bourke bourquard
bourquin bousquet bouthoorn boutin bouvet bouvier bouwhuisen bova bovet bowe bowen bowers bowler bowles
bowman boyce boyd boyer boylan boyle boyse bracke bradden bradford bradley bradshaw brady braem bragadin
bragaglia brahier brahmbhatt bramante brambilla branaola brancaccio branciforte branco brandl brandner
brandon brands brandstatter brandstetter brandt brandtner brannelly brannstrom brar brassil brauer braun
bravo bray bree breen breheny brekke brenna brennan brenner bresciani brese breslin bresnehan bresse
breton brett breuer breugelensis breugelmans brewer briand briccialdi brichese brick bridge bridges
bridson briemer brien briere brievingh briggs brink briody briones brisee briseno brislane brito brizee
broberg brock broderick brodin brody broeckx broeders broek broekhoven broeshart brogan broggini brolin
broman bronder brookes brooks brophy broquet broschi brosnan brouwer brouwers brown browne broy broz
brozova bru bruce bruckner bruder bruen bruggeman brugger brugman brugnaro brumleve brun bruneau bruneel
brunel brunelleschi brunello brunet brunner bruno bruscantini bruton bruun bruyninckx bruynzeels bryan
bryant bryson buch buchanan buchberger buchegger bucher buchholz buchinger buchner buckley bud budai
budig buelens buendia bueno bugnon buhler buhlmann buijs buisson bujard bull bulzoni bumb buonauro
burcardo burchill bures buresova burger burgess burgos burgstaller burke burman burnett burns burri
burrows burton burtscher buscetta bush busoni busquets bustamante bustos butala butcher butler butselaar
butte buttimer buttimore buyse buysse bylund byrd byrne byrnes bystrom caballero caban cabanas
cabanillas cabello cabeza cabezas cabibbo cabo caboto cabrera cabrero cabrini caccianemico caccioppoli
caceres cadden caddow cadefau cadena cadenas cadogan cadorna caetani cafarchia caffarelli cafferkey
cafferky cafferty caffrey cagney cagnin cagnotto cahalane cahill cahillane cahir cain caine cainero
cairn cairns caironi cal calarco calatayud calbo caldeira caldera calderon caldwell calgari callaghan
callan callanan callebaut callegari callegaro calleja callens callewaert calligan callinan cally calvet
calvey calvillo calvo calzada camacho camanni camara camargo camarillo cameron camicione camilleri
camino camiscione cammarata cammel campanella campano campbell campillo campise campo campos campoy
camps camuccini camurcuoglu camus canales canali canals canas canavan candaux candelaria canellas canet
canete canetta canevascini canil canizares cannan canniffe canning cannizzaro cannon canny cano canova
canovas cant cantero cantimori canton cantu cantwell caparros capdevila capecchi caplis capone cappelli
capples capua capuana caraballo caracciolo carbajal carbajo carballo carbery carbo carbonell cardano
cardenas cardona cardoso carducci carey carfagna carlberg carleton carley carli carlier carlin carlos
carlsen carlson carlsson carmody carmona carneiro carnera carnero carney carnotte caro carocci carolan
caron carosone carpaccio carpenter carpentier carpio carr carragher carranza carrasco carraud carraux
carre carreno carreon carrera carreras carrero carretero carriera carrig carrigan carrigy carrillo
carrion carro carroll carron carry carson carsten carter carthy carton cartwright carty carullo caruso
carvajal carvalho carville casadei casado casagrande casal casale casaleggio casalodi casals casanova
casanovas casares casarez casarin casas casellati cases casey cashen cashman casier casillas casini
caspar cassara cassen casserley casserly cassiano cassidy cassin castaneda castejon casteleyn castell
castellanos castelli castellitto castello castells castiglione castilla castillo castioni castrillo
castro catala catalan catalano catenazzi cattaneo cattigan cattin cauley caulfield cavalcante cavalcanti
cavanagh cavanna cavazos cawley cazares cazorla ceballos cech cechova ceci cedillo ceja celentano celis
cendron centeno cepeda ceravolo cerda cerdan cerezo ceri cermak cermakova cerna cerny cerquiglini cerro
cerutti cervantes cervantez cervera cesaroni cesarotti ceschi cespedes cetin ceulemans ceuppens chacko
chacon chad chada chadha chadwick chahal chakrabarti chakraborty chamberlain chambers chamorro chan
chana chand chanda chander chandler chandra chandran chang chapa chaparro chapman chappuis chapuis char
charles charlton charon charpentier charpie charrier chartier chatriand chatriant chatterjee chaudet
chaudhari chaudhary chaudhry chaudhuri chaudry chauhan chauveau chauvet chauvin chavarria chaves chavez
chawla checa chechi cheda cheema chen chenaux cherian cherubini chevalier chevalley chevallier
chevresson chevrolet chhabra chiappetta chiaramonte chico chiesa chigi chindamo chinnici chittolini
chokshi chopard chopra chotzen choudhary choudhry choudhury chowdhury chretien christen christensen
christiaens christian christiansen christoffersen christoph christopher chrodtrud ciampi cianciolo ciani
cibin cicala cichorius cicilia cid cifuentes cignaroli cilea cilibrasi cimarosa cimini cintron cipolla
cirino cisneros civaschi claassen claes claesdr claesen claesner claessens claesson claeys clafferty
claffey clair clancy clare clark clarke classon claus clausen clavero clavin clayton clear cleary
clement clemente clements clenaghan clerc clerkin clery clifford clinten clinton clogherty cloherty
clohessey clohessy cloney cloonan cloone clooney clune coady coakley coardi coates cobb cobo cobos coca
cocci cochran cociarelli codina cody coelho coello coen coene coenen coffey cogan cogley cohalan cohen
coholan coigny colas cole coleman coles colfer colgan colhoun colin coll collado collazo collen
colleneler colleran collet colletti colley collier colligan collin collina collinder collins collodi
colly colman colom coloma colomer colon colpaert colreavy colum columbo colunga comar comas comber combi
comboni combre combs comencini comer comerford comeriato comisky comisso comman comment commins comolli
company comte comyn conaty conboy concannon concepcion conde condoleo condon condren condron conefrey
conesa conlan conley conlon conmee conmy connachton connaghy connaughton conneeley conneely connell
connellan connelly conner connery connole connolly connor connors conole conrad conradi conree conroy
conry considine contarini conte conti contractor contrafatto contreras convey conway conwell coogan cook
cooke coolahan coolen cools coonan cooney cooper copeland coppens coppola corbacho corbat corbett corbo
corboz corcoran corcos cordero cordier cordoba cordova corduff coret coret-coredo corish corkery corless
corley corlu cormack cormican cormick cormy cornejo cornelis cornelisse cornelissen cornelisz cornut
cornuz corominas corona coronado corpataux corr corradi corral corrales correa correia correr corridan
corrigan corry corstiaens cortes cortese cortez cortina cosandey cosendey cosgrave cosgrove cosman
cossiga cossy costa costalonga costanzi coste costela costello costelloe costigan cotter cotto coughlan
coulon counihan courcey cournane courtenay courtier courtney courtois courvoisier cousin cousins
couturier covarrubias cowan cowely cowen cowley cox coyle coyne cozar crahan craig craine crampsey
crampsie crane crangle cranley cranly craven crawford crawley crean creed creedon cregan crehan cremin
cremonesi crespi crespo cretton crevoisier criado cribbons crilly crimmins crinion crisafulli crispi
cristea cristoforetti crivelli croal crohan crolly cronelly cronin cronly crosbie crosby cross crossan
crota crotty crowe crowley crudden cruise cruz cryan csonka cuadrado cuda cuddihy cuellar cuenca cuervo
cuesta cueto cuevas cuffe cugia culhane cullen culligan cullinan cullinane culloty cully cumiskey
cumisky cummings cummins cummiskey cummisky cundari cunha cunnane cunneen cunningham cunny cuomo
curatoli curci curdy curiel curley curnane curneen curnyn curran currie curry curtin curtis cusack
cusano cutrufo cutuli cuypers cuyvers cuzzocrea d'arcy d'hondt dachgelder dachgeldt dachgelt dada daems
dahl dahlberg dahlen dahlgren dahlin dahlqvist dahlstrom daiken dalal dale dalla dallape dallara
dallinger dalmau dalton daly dam danaher dandolo dane dangl dani daniel daniels danielsen danielsson
danner danninger dar dara darcy dargan darmody das dasey dasgupta dash dass date datta dave davenport
davern davey david davids davidson davidsson davies davila davin davis davison davitt davoren davy daw
dawson day dayal daza de deacon deacy deady deak dean deane dease deasy debruyne deceuninck decker
deckers declerck declercq decock deconinck decoster dee deegadan deegan deehan deeley deely deeney deeny
deep deere deery degroote degryse dehmel deigan deignan dejonghe dekeyser dekker deladoey delaere
delahaye delahunty delaney delannoy delap delargy delattre delaunay deledda deleon deleu deleze
delgadillo delgado delle dellucci delmas delorme deloughrey deloughry deman demeulenaere demeyer
demeyere demir demirel demmendaal dempsey demuynck dengg denihan denis denison denk dennehy dennenberg
denning dennis denny denys deo deol depero depoorter deprez depuydt dermody dermott derrig derycke desai
descamps deschamps deshmukh deshpande deshusses desio desmedt desmet desmond detti deutschmann devally
devan devane devaney devanney devaux devenney dever devereux devery devi devilly devin devine devitt
devlin devolder devos devoy devriendt dewaele dewan dewilde dewitte dewulf dey dhaliwal dhar dhawan
dhillon dhingra dhondt diaconescu diaconu diallo dias diaz dibiasi dickey dickie dickinson dickson
didier diego dieguez dierckx dierick dierickx diesbach diesbergen dietl dietrich dietz diez diffin
diffley diggin diggins dignan dijkman dijkstra dijoux dillane dillen dillon dima din dinan dineen
dinneen dinu dippel dircken dirksen dirnberger dirrane dirven disdero diskin ditschlerin dittrich divan
divenney diver divine diviney dixit dixon dobbelaere dobbin dobbins dobes dobler dobre dobson dochioiu
dockx doctor dodd doe doesburg dogherty doglioni doherty dohn dolan dolezal dolezalova domenech domingo
domingues dominguez dona donagher donaire donaldson donarelli donati donatoni donegan donini donlon
donnan donnell donnellan donnelly donoghue donohoe donohue donoso donovan doody dooey doogan doohan
doolan dooley doorhof doornhem doorty doppler dora doran dordan dore dorfer dorgan doria doring dorn
dornan dorner dorr dorrian dorschner dorsman doshi dossetti dossi dostal dostalova doudigan douglas
dovara dowd dower dowerg dowey dowley dowling downes downey downing doyle draaisma draghi drake draxler
drennan drewes drian dries driesen driessen driscoll drohan droney droz drub drubin drum drumm drummond
drummy druso drysdale dua duane duarte dube dubey dubois dudas duenas duff duffin duffy dufour dugal
dugar duggan duhamel duhig duhy duignan duivenvoorden dulbecco dulohery dumanli dumas dumitrescu dumont
duncan dunford dungan dunleavey dunleavy dunn dunne dunning dunny dunphy dunser dunworth duodo dupont
dupre dupuis dupuy duque duran durand durante durdu durkan durkin durmus durnan durnin durning duroux
durrihy duse dusek duskova dutt dutta duval duvanel dvorak dvorakova dwane dwyer dyal dyer earl earle
early eberhard eberhardt eberharter eberl ebert eberth ebner echevarria echeverria eckbauer ecker
eckhardt eco edberg eder edin edlinger edlund edman edstrom edvardsen edvardsson edwards edwin eeckhout
eelman eerden eftimie egan egea egger egli ehlert eibl eichberger eichenberger eichhorn eichinger eide
eigenwillig eijkelboom eimer einarsson einaudi eisl eisner eivers ek ekberg ekdahl ekelund ekholm eklof
eklund ekman ekstrand ekstrom elberts elbertse elias eliassen eliasson elizondo eller ellingsen elliot
elliott ellis elo elofsson eloranta elorza elsemulder elsenaar elwood emanuelli emanuelsson emilsson
emmen emo ender endrizzi ene engberg engdahl engel engelen engels engen engl english englund engman
engstrom engvall ennis enright enriquez enzinger eraslan erber erdogan ergul erhart erhout erickson
ericson ericsson eriksen eriksson erkkila erlacher erlandsson erler erni ernst eronen errani errigo
ertas ertl ervin ervine escalante escalona escamilla escobar escobedo escolano escribano escriva
escudero eskelinen eskola espada espana espanol esparza espejo espinal espino espinosa espinoza esposito
esquibel esquivel esteban esteve esteves estevez estey estrada etienne etzler etzold eugster eustace
evans evensen evequoz everaert everde evers everts evoy evrard exposito fabbri fabian fabra fabre
fabregas fabregat fabrizi fadden fadian faes fagan fagerstrom faggiani fagiani fagotto faherty fahey
fahy fair faivre fajardo falco falcon falcone falier falk falkner fall fallaci fallon falloppio
fankhauser fantini fantoni fantozzi fanucci farago farah faranda faria farias farina farinelli farkas
farmer farnese farre farrell fasching fattori faugno faulkner faure faust favata favre fazekas fechant
fechner federici federico feenstra feher fehr fehringer feichtenschlager feichter feichtinger feichtner
feigl feijoo fekete felber felder feliciano feliu fellinger fellner feltzer fercher ferguson ferm fermi
fernandes fernandez ferrabosco ferragamo ferragni ferran ferrand ferrandez ferrandiz ferrando ferrante
ferrara ferrari ferraris ferrata ferrazzi ferreira ferrer ferrera ferreras ferrero ferretti ferrucci
ferstl feys fiala fialova fibonacci fichtinger ficino fiebig fiedler field fields fieramosca fiere
fierens fierro figueiredo figueras figueroa figuerola filangieri filippelli filippini filogamo filzi
finch finetti fink finke finotto finzi fiol fioravanti fiorucci firat fischer fischetti fiser fiserova
fisher fittipaldi fitz fitzgerald flaiano flantz fleck fleischhacker fleischmann fleming fletcher fleury
fliegner flink flor florea flores florez florio flowers floyd fluckiger flynn fo foa foconi fodor fogaca
fogazzaro foidl folch foletti folkesson folliero fonjallaz fonseca font fontaine ford fornaciari fors
forsberg forsell forsgren forslund forsman forster forstner fortuny fortuyn forza foscari foster foucher
fouquet fournier fowler fox fracci franceschi franch francillon francis francisco franco francois
francoise frandsen frank franke frankhuizen franklin franscini fransen fransson franz franzen franzese
fraser frazier frederiksen fredriks fredriksen fredriksson freeman frei freitag freitas fremie french
frerichs frescobaldi freshour freudenberger freudenthaler frey frias friberg frick frid friedl friedli
friedrich friehus friis frisch frisk fritsch fritz frohlich froschauer froschl frost fruhwirth frutos
fry fuchs fuente fuentes fuertes fuhrmann fuller fulop furda fureder furrer furst fusani fuseli fuster
gaba gabaldon gabba gabbana gabriel gabrieli gabrielsson gadda gade gaggini gagliano gagliardi
gahleitner gaiatto gaillard gaitan gaito gal gala galan galarza galeati galenzone galiano galiazzo
galijn galilei galindo gallagher galland gallardo gallart galle gallego gallegos galler gallet gallo
galtarossa galuppi galvan galvani galvez gamboa gamez gamsjager gandhi ganesan ganesh gangemi gangl
ganguly gaona gara garate garay garces garcia garde gardiner gardner garg gargallo garibaldi garibay
garica garmendia garner garnier garobbio garozzo garret garrett garrido garriga garrone gartner garza
garzon garzoni gascon gashi gaspar gasperi gasser gassner gastelum gatto gattringer gaudin gauthier
gautier gay gaya gaytan geens geeraerts geerling geerts geertsen gehringer geier geiger geisel geisler
geissler gelabert geldens gellemeyer gelli gemen gemito geneart genefaas gentileschi gentili gentilini
george georges georgescu gera geraci gerard gerber gerlach germain germano gerrits gerritse gerritsen
gertz gervais geudens geuens gevaert geyer gfeller gheorghiu ghoerle ghose ghosh giacconi giacometti
giammusso gianetti gianinazzi giannelli giannetti giannini giannone giannotti giannuzzi gianvecchio
gibbons gibbs gibert gibilisco gibson gielen gierschner giess giger gigli gil gilabert gilardoni gilbert
giles gill gilles gillet gillieron gillis gimenez gimeno gindl giner ginese ginesio gioberti giolitti
giorgetti giovine giradello giralt girard giraud giron girona girschner gisbert giselmeyer giulietti
giunti giusti glaser glasses glatz gloor glover gluck gmeiner gnatz gnodde goda godard goddard goderts
godet godfrey godinez godoy goedhart goel goethals goicoechea gokhale gola goldoni goldstein gole golgi
golino golla gollner gollum gomes gomez gomila gomis goncalves goni gonzaga gonzales gonzalez gonzalo
goodman goodwin goossens goovaerts gopal goransson gordillo gordon gori goris gorlitz gosch goschl
gosselin goswami gottardi gotthard gotti gotz goudriaan gough gould gour govaerts govarts govoni goyal
goyvaerts gozzano gozzi grabher grabner gracia gradenigo graf graham grahn gramsci granado granados
granatelli granath granberg grand grande granlund granstrom grant gras grasser grassi grassl grasso
gratz gratzer gratzl grau graves gravina gray greco green greene greenwood greer gregersen greggio
gregoire gregori gregorio gregory greij greiner gremese gren grenier grewal griego griesser grifeo
griffin griffith griffiths grijalva grill grimani grisoni gritsch gritti grob groen groenendaal
groenestein grojean grondel grondin gronlund gronroos groote gros grosjean gross grossi grottner grover
gruber gruijl grunberger grundner gruner grunwald gschaider gschwandtner gstrein guajardo gual gualandi
gualtieri guarana guarato guardado guardia guardiola guariento guarneri guberan gucci guclu gude guerin
guerra guerreiro guerrero guevara guggenberger guglielmi guha guibert guicciardini guichard guidone
guidotti guijarro guilbert guillaume guillen guillet guillon guillot guillou guinizzelli guit guitart
gul gulati gulbrandsen gulen gullberg gullotta gulotta gulyas gumprich gundersen gunnarsson gunpf
gunther gupta gurule gussoni gustafsson gustavsson gut gute gutierrez gutknecht gutmann guyon guyot
guzman haack haapala haapanen haapaniemi haas haase haataja haavisto haberl hacker hackl haderer
haengreve haering hafliger hafner hagberg hagen hagendoorn hager hagg hagglund haggstrom haglund hagman
hagstrom hahn haid haiden haider haidinger haindl hainzl hajdu hajek hajkova hak hakala hakansson
hakkarainen hakker hakkinen halasz halder hale hall hallberg haller hallgren hallin halme halonen
halvarsson halvorsen hamalainen hamann hamel hamilton hammar hammarstrom hammer hammerer hammerl
hammerle hammond hamon hampton hancer hancock handa hande handl handler haneberg hanegraaff hanel hanna
hanninen hannula hans hansen hanson hanssen hanssens hansson haraldsson harding hardy hargreaves hari
haring harju harkonen harloff harmon haro harper harrer harrington harris harrison hart hartikainen
hartl hartley hartman hartmann hartung harvey hasan haselaar haslauer hasler haslinger hassan hattinger
hauer hauffer haug hauge haugen haugland haumer hausberger hauser hausler hautala hautamaki havel
haverinen havlicek havlickova hawkins hayer hayes haynes hayre hayrioglu hayward hazenveld heath
hebenstreit hebert hechenberger hecker hedberg hedin hedlund hedman hedstrom heere heerkens heerschop
hegde hegedus heger hehl heidrich heigl heijman heijmans heijmen heikkila heikkinen heim hein heindl
heino heinonen heinrich heinrichs heintze heinz heinzl heiskanen heiss heissenberger hekker held
helenius helgesson helin hell helland hellberg hellemans heller hellevoort hellgren hellman hellstrom
hellwig helm helmerhorst helminen helsen hemetsberger henck henderson hendricks hendrickx hendriks
hendrikse henk henningsson henriksen henriksson henriques henriquez henry hens henschel hentschel heras
herbert herbst heredia heremans hering herman hermann hermans hermansen hermansson hermighausen hernadez
hernandes hernandez hernando herranz herrera herrero herrmann hertrampf hervas herve hervia herzog heser
hess hesse hethur hettner heuser hewitt hexspoor heydrich heylen heymans heyne heyvaert hicks hidalgo
hierro hietala hietanen higgins higueras hill hiller hilton hiltunen himmelbauer hines hinojosa
hinterberger hinteregger hinterleitner hirsch hirschmann hirt hirvonen hjalmarsson hjelm hjort hoarau
hoareau hobbs hochleitner hochreiter hodel hodges hodgson hodl hoedemakers hoeks hoekstra hoelen hoes
hofbauer hofer hoffman hoffmann hofig hofinger hofler hofman hofmann hofmeister hofstatter hofstetter
hogan hogberg hoglinger hoglund hokkanen holappa holden holgersson holguin holl holland hollander
hollaus holler holloway holm holmberg holmes holmgren holmqvist holmstrom holopainen holst holsten holt
holthuis holub holubova holvoet holzapfel holzenbecher holzer holzinger holzknecht holzl holzmann
hondeveld honing honkanen hood hoogers hooper hoover hope hopkins hoppenbrouwer hora horacek horackova
horak horakova horemans horl horle hormann horn hornich hornig horrocks horton horvath horvathova hosp
hosseini hoste hotz houben houdijk houghton houston hovel howard howarth howe howell howells hoyos hoz
hruba hruby hruska hruskova hubbard hubel huber hubert huberts hubmann hubner hudson huel huemer huerta
huertas huet huff hufnagl hug hughes huguet huhn huhtala huijben huijbrechts huijs huijzing huisman huls
hulshouts hulskes hulst hult hultgren hultman humbert humer hummel hummer humphreys humphries hunt
hunter hunziker huotari huovinen hurlimann hurst hurtado hussain hussein hutchinson huter hutter
hutterer huttunen huurdeman huuskonen huybrechts huyghe huys huysmans hyde hytonen hyttinen hyvarinen
hyvonen iacobucci iacovelli iadanza iannelli iannotti iannucci iannuzzi ibanez ibarra iborra ibrahim
iglesia iglesias ihalainen ihsanoglu ikonen illes imbert imhof immonen impastato infante infantino
ingram ingvarsson iniesta iniguez innocenti inonu interiano interminei interminelli inzaghi ionescu
ionita ioppi iqbal iriarte irizarry isaksen isaksson isella isern isler ismail israelsson issa issac
iten ivarsson iversen iyengar iyer izaguirre izquierdo jaakkola jaaskelainen jaatinen jaceps jackson
jacob jacobi jacobs jacobsen jacobsson jacot-descombes jacot-guillarmod jacques jacquet jacquot jacuzzi
jaen jafari jager jaggi jahn jaime jaimes jain jakab jakel jakobsen jakobsson jalonen james janda jandl
jandova janeckova jani janisch jank jans jansdr janse jansen jansse janssen janssens jansson jantsch
jantti jaquez jara jaramillo jarl jaros jarosova jarvela jarvenpaa jarvi jarvinen jarvis jasso
jauhiainen jauk jaume jauregui jayaraman jdotte jean jefferson jeggij jekel jelinek jelinkova jenewein
jenkins jenni jennings jensen jenssen jeppesen jeppsson jepsen jerez jerusalem jespersen jessel jessen
jesus jezek jezkova jha jhaveri jilani jimenez jiminez jobstl jochems jockel jodar johal johann
johannessen johannesson johansen johansson john johnsen johnson johnsson johnston jokela jokinen joly
jomini jonas jonasson jonckheere jones jonker jonkman jonsson joos joosten jopich jorda jordan jorgensen
joris jorlink jorrisen josefsson joseph joshi jost joubert jourdan jovanovic jove jover jovinelli joyce
joye juan juarez juen juhasz juhlin julia julian julien julliard junck juncken jung jungfer jungwirth
junitz junk junken juntunen jurado jurrijens jussila juttner juvara juvonen kabus kadakia kade kadlec
kadlecova kafer kager kagi kahkonen kahr kaikkonen kain kaindl kainulainen kainz kaiser kakar kala
kalcher kale kalin kalita kalla kallen kallert kallio kallstrom kalman kaltenbock kaltenbrunner
kaltenegger kamarainen kambs kamdar kammerer kamp kamper kanda kanerva kangas kankaanpaa kannan kant
kantola kapadia kapeller kapoor kappel kapur kar kara karadeniz karan karels karge kargl karhu karhunen
kari karjalainen karki karkkainen karl karlberg karlsen karlsson karlstrom karner karnik karpe karppinen
karrer karttunen karvinen karvonen karz kas kaser kashyap kaspar kasparova kasper kaster kastner kata
kathagen katona kaufmann kaul kauppila kauppinen kaur kay kaya keer keijser keijzer keinanen kelemen
keller kelley kellner kelly keltenie kemp kemppainen kenis kennedy kensy kent keplinger keranen kerekes
kerkhof kerkhofs kern kerr kerschbaum kerschbaumer keskinen keskitalo kessler ketel ketola ketting
kettunen keudel khalil khalsa khan khanna khare khatri khosla khurana kibe killer kilpelainen kim king
kinnunen kiraly kirby kirchmair kirchner kirk kirpenstein kirschner kis kisakurek kisman kiss kitzler
kitzmann kiuru kivela kivimaki kivinen kiviniemi kivisto kjaer kjeldsen kjellberg klammer klapp klasson
klaus klausen klausner kleibrink kleijse klein klement klemm klemt klerks kleybrink kling klingelhofer
klinger klingler klocker kloiber kloppert klotz klug knapp knappe knaus knecht knight knockaert knoers
knoll knowles knudsen knuf knutsen knutsson kobelt kober koberl koch kocher kock kocsis koeman kof
kofler kogler kohl kohler kohli koistinen koivisto koivula koivunen kok kokko kokkonen kolar kolarova
kolb kolbl kolehmainen kolen koll koller kollmann kolm kolster komulainen konda konecna konecny konig
koning konings konrad konttinen kopecka kopecky kopf koponen kopp koppensteiner koret korhonen korpal
korpela korpi korsman korstman kort kortelainen kortman koruturk koshy koskela koski koskinen kosonen
kossler kosten koster kostolzin kota kothari kovacs kovanen kovar kovarova kozma krabbe kraft krainer
krainz kral krall kralova kramer krammer krantz kranz kratochvil kratochvilova kratzer kraus krause
kraushaar krausova kraxner krebs kreidl krein kreiner krejcova kremer kremser krenn kreusel kreuzer
kriegl kriens krish krishna krishnamurthy krishnan kristensen kristensson kristiansen kristiansson
kristoffersen kristoffersson kriz krizova krogh kroker kroll kronberger kronenberg kronsteiner krug
kruns kruschwitz kubicek kubickova kucera kucerova kugler kuhl kuhn kuhnert kuijpers kuilenburg kuiper
kuipers kuisma kuit kujala kukkonen kulkarni kulmala kumar kumer kummer kumpulainen kunda kunen kung
kunz kuosmanen kurian kurki kuronen kuruvilla kurz kurzmann kusch kuusela kuusisto kvist kwaadland
kyllonen laakkonen laakso laaksonen labado labbe laboy lachmann lackner lacombe lacroix lad ladeck
ladner laenen laffray lafleur lagarde lage lagerweij lagler lago laguna lahteenmaki lahti lahtinen laiho
laimer laine laitinen lakatos lal lala lall lalla lamas lamb lambers lambert lamborghini lambrecht
lambrechts lambregt lammens lammer lammi lamore lamotte lampert lampinen lampl lamprecht lamy lancisi
landa landin landl landstrom lane lanfranchi lang lange langer langern langevoort langlois lanka
lankinen lankle lansink lantz lanz laporte lappalainen lara larcher laroche larranaga larrea larsen
larson larsson lasa lassen lassila lassnig lastra laszlo lata lathrope latier lattuada latvala laukkanen
launay laureano laurent laureys lauridsen laurila lauritsen laursen lauwers law lawrence lawson le leach
leal leao leber leblanc lebon lebreton lebron lebrun lechner leclerc leclercq lecomte leconte lecoq
lederer ledesma ledoux leduc lee leeb leemans leene lees lefebvre lefevre lefort legendre leger legnante
legrand legros leguit lehikoinen lehmann lehner lehtimaki lehtinen lehto lehtola lehtonen leibetseder
leino leinonen leite leitgeb leithner leitner leiva lejeune leleu lelievre lelijveld lemaire lemaitre
lemmens lemoine lemonnier lemus lenaerts lengauer lengyel lennartsson lenoir lensen lenz leon leonard
leonardi leoncavallo leone leonetti leonhartsberger leopardi leopold lepisto leppanen lercari lerch
lercher lerma lerner leroux leroy lesage leskinen letellier lether letta lettiere lettner leu leunberger
leutgeb leveque levesque levin levy lewis leys leysen leyva li lichtenegger liden lidstrom lie liebelt
liekens lien lieshout lievens ligorio ligtvoet liguori liimatainen lijn lilja liljegren lillo lima limon
linares lind lindahl lindau lindberg lindblad lindblom linde lindell linden linder lindfors lindgren
lindh lindholm lindinger lindkvist lindmark lindner lindorfer lindquist lindqvist lindroos lindsey
lindskog lindstrom lindvall linke linna linschoten lintner lipp lippens lippomano lipponen lips lira
liska liskova list littizzetto little liu liukkonen liverotti ljung ljungberg ljunggren ljungqvist
llabres llado llamas llano llanos lledo llobet llopis llorens llorente lloret lloyd lluch lobato lobo
lochel loep loera lof loffler lofgren logan loibl loidl loiseau loke lollobrigida lombard lombardi
lombardo lombroso lomeli lommert lonen long longhena longoria lonn loos lopes lopez lopresti lorch lord
loreal loredan lorenz lorenzo lorreijn losa losada losekann louis loureiro lourenco louws lovato love
lovgren lowe lower loya loyal lozada lozano luboch lubs lucarelli lucas lucchesi lucciano lucena lucero
luciani lucio ludovisi ludwig luevano luger lugo luis lujan lukacs lumbreras luna lund lundberg lundblad
lunde lundell lundgren lundh lundholm lundin lundkvist lundmark lundquist lundqvist lundstrom luoma lupo
luque luria luscher lussu lustenberger luster luthi luthra luttenberger lutterveld lutz luukkonen
luxardo luyckx luyten luz luzi lynch lyons maas maaswinkel maatta maccanelli macdonald mace macedo mach
machacek machackova machado macher machova macias mack madan mader madera maderna maderno madrid
madrigal madsen maenpaa maertens maes maestas maestre maffei magalhaes magana magar maggioli maglio
magnusson magyar mahajan mahal maharaj mahe mahieu mahmood maia maier maierhofer maillard maillet
maillot mair maire mairhofer major majumdar makela maki makinen makkonen mala malave maldonado malfait
malhotra malinen mall mallet mallick mallien malm malmberg malmgren malmqvist malmstrom malo malone maly
malzer mammen mancebo manco mand manda mandal mander mandl mane mangal mangat mangel mangold mani manjon
mann mannan manne manninen manning mannisto manole manrique mans mansiz manso mansson mansveld mansvelt
mantyla manuel manzanares manzano marceron marchal marchand marco marechal marek mares maresova margraf
margreiter marie marien marin maringer marion maris mark markkanen markl marklund markova marques
marquez marrero marroquin marsden marsh marshall marte martel martens martensson marti martikainen
martin martineau martinez martins martinsen martinsson marton marttila marttinen marty marx mary
mascarenas masek maskova mason massa masse masseron massey masson master mata mate matejka matejkova
mateo mater mathiasen mathiesen mathieu mathis mathisen mathol mathurin matias matikainen matilainen
matile matos matousek matouskova matthai matthews matthijs matthys mattila mattsson maurer maurice maury
maxwell may maya mayer mayerhofer mayor mayorga mayr mayrhofer mazilescu mcbride mccarthy mccormick
mccoy mcdaniel mcdonald mcgee mcguire mckenzie mckinney mclaughlin mclean medina medrano meeres meersman
meert mees meeus meeusen meier meijer meili meindl meis meister meixner mejia melander melendez melet
melgar melin melis mellor melo memon mena menard menchaca mende mendes mendez mendonca mendoza menendez
menon mens menthonnex mentzel meraz mercado merchant mercier mercks merckx merilainen merino merkx merle
mertens merz mesa messner mestdagh meszaros metcalfe mettler metz metzler meunier meusburger meyer
meyers meza mezei miah michaud michel michiels michielsen middelkoop middleton mielcarek mies miettinen
mijsberg mikkelsen mikkola mikkonen miles miller millet mills miltenburg miner minhas miramontes miranda
mireles mishra misicher misra mistry mital mitchell mitra mitschke mittal mitter mitteregger mitterer
mitterlehner mittermayr moberg mocanu mochlichen modi modig mody moe moen moenen moens moensendijk
moerman moet mogensen mohamed mohammad mohammadi mohammed mohamud mohan mohanty mohaupt mohr moilanen
moisio mojica mol molegraaf molen molenaar molin molina moller molnar momberg mondragon monnard monnet
monney monnier mononen monroe monroy montalvo montandon montanez montano monteiro montemayor montenegro
montero montes montez montgomery montoya moody moonen moons moore moors moosbrugger mora moraes morais
morales moran morand morar morard moravcova moravec more moreau moreels moreira morel moreno morgan
morin moritz morley morris morrison morrow mortensen morth mortier morton morvan mosemann moser mosley
moss mota mottet mottiez moulin moura moya mudden mude mueller muhlbacher muhlberger muhlbock muhle
muhonen muhr muijs mukherjee mukhopadhyay mulder mulders mulichen muller mullerova mullins mullner
munguia muni muniz munoz munshi murillo muriset muro murphy murray murthy murty musil musilova mustafa
mustonen musy mutti myers myhre myklebust myllymaki nadig nadkarni naess naessens naf nagar nagarajan
nagel nagele nagi nagl nagy naidu naik nair najera nanda narain narang naranjo narasimhan narayan
narayanan narula narvaez nascimento naser nash naslund natarajan nath natt nava navarrete navarro
navratil navratilova nayak nayar naylor nazareth nazario neal nedermeijer negrete negron neirynck nek
nelissen nelson nemcova nemec nemecek nemeckova nemes nemeth nerger neto nette neubacher neubauer
neugebauer neuhauser neuhold neulinger neumann neumayer neumayr neumeister neumuller neuner neureiter
neureuther neuschafer neuteboom neuwirth neuzerling nevala nevalainen nevarez neven neves neveu newman
newton neyens nguyen nicholls nichols nicholson nicolas niederl nielsen niemeier niemela niemi nieminen
niermann nieto nieuwstraten nieves nigam nihoe niiranen nijman nijs niklasson nikula nilsen nilsson nino
niquille niskanen nissen nissinen nistor nita nixon noack nobauer noble noel nogueira nohlmans nolan
nollee noordijk norberg nord nordberg nordgren nordin nordlander nordlund nordqvist nordstrom noren
norgaard norgren nori noriega norlin norling norman normand norris norrman north norton nousiainen
novaes novais novak novakova novotna novotny nowak nunes nunez nurmi nurminen nussbaumer nussle nusslin
nuutinen nuyts nyberg nygard nygren nykanen nylander nylen nylund nyman nys nystrom o'brien o'connor
o'donnell o'neill o'sullivan oak oberg oberhauser oberhofer oberleitner obermayr obermuller oberndorfer
obrien ocalan ocampo ocasio ochoa oconnor oda odegard oderwald oemencs oennen oestrovsky ofner ohlsson
ohman oikarinen oinonen ojala ojanen ojeda oksanen olah olander olausson olesen olivares olivarez olivas
oliveira oliver olivera olivier olivo ollikainen ollila ollivier olmos olofsson olsen olson olsson
olthof olvera olykan om omar ontiveros oommen ooms oosterhek oosterhout oostveen opmans oprea oquendo
orban ordonez orellana ornelas orosco orosz orozco orsos orta ortega ortiz ortmann ortner osborne
oskarsson osman osorio ostberg osterberg ostergaard osterhoudt ostermann ostling ostlund ostman oswald
otero ott otte otto ottosson ouwel ouwerkerk overdijk overeem overgaard oversteeg owen owens oza ozuna
paakkonen paananen paavilainen paavola pabon paccot pacheco pacher pachler pachoud padilla padmanabhan
padron paez paffrath page pages pai paier paillet paiva pajunen pakarinen pal palacios palan pall palla
palm palman palmer palmgren palmqvist palomaki palomino palomo palsson pammer panchal pandey pandit
pandya pant pantoja pap papp paredes parekh parent parikh paris park parker parkes parkin parkinson
parkkinen parks parmar parmentier parmer parra parry parsa parsons partanen partida partzelt parviainen
parzer pasanen pascal paschoud pasman pasquier passchiers pastoors pastor pasztor pataki patberg patel
pathak patil patino patla patrick patterson patton pattyn pau pauer paul paulitsch paulsen paulsson
pauwels pavlicek pavlik pavlikova payer payet payne paz peacock pearce pearson pechel pedersen pedraza
pedroza peer peeters peham pehkonen peitrequin peixoto pekkala pekkarinen pelayo pelkonen pellet
pelletier peltier peltola peltonen peltoniemi pena pendl pennanen penttila penttinen penz perala perales
peralta perck perea pereira peres perez pergande peri perkins perner peron peronne perret perrier perrin
perrono perrot perry persijn persson pertl pesendorfer peskova pesonen peter peters peterse petersen
peterson petersson petit petitjean petrova pettersen pettersson petz peukert pfeffer pfeifer pfeiffer
pfister pfleger pham phelps philipp philippe philips phillips phillipsen picard piccand pichardo pichler
pichon pickering pieber pieper pierce pierre pierson pieters pietila pihl piirainen pillai pillay pilz
pimenta pina pineau pineda pingle pinheiro pinho pinter pinto pircher pires pirinen pirker pison
pitkanen pittman pizarro plank plath plattner platzer pock poelmans pohjola pohl pointner poirier
pokorna pokorny polak polakova polanco polfliet politz polla pollak pollanen pollard pollet polzer ponce
poncelet ponci pons poole pop popa pope popescu poppe porras porter portillo portmann porto posada posch
pospisil pospisilova post postl postma potier potter potters pottier potts poulain poulsen powell power
powers prabhakar prabhu pradhan prado praet prager prakash prantl prasad prashad pratt praxmarer
preciado preda preiss prem prenner preston prevost price prieto prins prinsen pritchard privet probst
prochazka prochazkova prokop proost pruschke pruvost puente puga pugh puhakka puig pulido pulkkinen
puranen puri purohit puscasu put putz puustinen quartier quesada quezada quinn quinones quinonez
quintana quintanilla quintero quiroz raatikainen rackham racz radel rademaker radhakrishnan radisch rael
raes raeymaekers raghavan rahman rai raisanen raj raja rajagopal rajagopalan rajala rajan raju ram rama
ramachandran ramaekers ramaker ramakrishnan raman ramanathan ramaswamy ramesh ramirez ramon ramos ramsey
rana randall randhawa ranganathan rangel ranta rantala rantanen rao rapin rappaz rapraz rasanen rascon
rask rasmussen rastogi ratta rattan ratti raty rau rauhala rautiainen rautio raval ravel ravi ravn ray
raya raymond raynaud razo read recer recers reddy reed rees reese reeves regalado rege regnier rehn
rehorst reichmann reid reijers reimes reinhardt reinikainen reis reising rek remmers remy renard renaud
renault renders rendon renner renteria repo resendez reuter rey reyes reyna reynaert reynaud reynders
reynolds reynoso rezende rhodes ribeiro rice richard richards richardson rico ridder riehl riem rietveld
riha rihova riihimaki riikonen rijcken rijks rijn rijntjes riley rincon ring rinne rintala riojas rios
riou rippey risma rissanen ritter rivas rivera rivero riviere robadey robbins roberson robert roberts
robertson robertsson robin robinson robledo robles robson rocha roche rocher rodarte rodgers rodrigez
rodrigues rodriguez rodriquez roelandt roels roessink roger rogers rogge rogiers rogner rohleder
rohrdanz rohricht roht rojas rojo roldan rolland rolon roman romanens rombaut rombouts romer romero
romijn romo ronkainen ronkko ronning roodesteijn room roos roose roosen roosenboom roque rorricht rosado
rosales rosario rosas rose rosemann rosen rosenberg rosengren rosenow rosenqvist roskoth ross rosseel
rosselat rosselet rossellat rossi roth rotteveel rottiers roukes rousseau roussel rousselet rousset rout
rouwenhorst rouwhorst roux rowe rowley roy roybal royer rubben rubio rudolph ruegg ruelas ruijs ruiz
ruotsalainen ruppersberger ruppert russell rust rutten ruud ruuskanen ruzicka ruzickova ryan rydberg
ryden rytkonen ryynanen sa saarela saari saarinen saastamoinen saavedra sabbe sabharwal sachar sachdev
sachdeva saelens saenz saether safak sagar sager saha sahlin sahni sahota said saini sainio saiz sakarya
salas salazar salcedo salcido saldana saldivar saleh sales salet salgado salinas sallinen salmela salmi
salminen salmon salo salomaa salomonsson salonen salvi salz sam sama samaniego sami sampaio sampath
samra samson samuelsson samyn sanabria sanches sanchez sandal sandberg sandell sanders sanderson
sandgren sandhu sandin sandor sandoval sandoz sandstrom sandvik sane sangha sanghvi sani sankar sankaran
sansonnens sant santacruz santana santiago santillan santos sarabia saraf saran sarin sarkar sarkozi
sarma sarna sarneel sarraf sas sastry sathe sauberlich sauceda saucedo saudan sauer saunders sauvage
savage savant savolainen sawhney saxena saxo scardino schaaf schacht schafer schagen schakelaar schaller
schar scharer scharroo schatteleijn schaub scheel scheer scheffers scheibe scheidegger schellekens
schelvis schenk schenkel schepens schepers scherms scherrer scheuermann schiffer schilt schinke schipper
schlatter schleich schlosser schmid schmidt schmidtke schmiedecke schmiedt schmitt schneider schnyder
schoch schofield schokman scholl scholten scholtz scholz schomber schonland schoofs schotte schottin
schou schouten schrant schrik schroeder schroeff schuchhardt schuler schulten schultz schulz schumacher
schurch schuster schuurmans schuylenborch schwab schwartsbach schwartz schwarz schweitzer schweizer
schwital scott scuylenborchs sedlacek sedlackova sedlak sedlakova segebahn segers segerszoen seghers
segovia seguin segura sehgal seidel seifert seiler seip sekhon selin sels sem sen sener sengupta senn
sensoy seppa seppala seppanen sepulveda serna serra serrano serrato seshadri sestig seth sethi setty
sevcik sevcikova seven sevilla sezer sezgin sha shaffer shah shan shankar shanker sharaf sharma sharp
sharpe shaw shelton shenoy shepherd sheppard shere sherman sheth shetty short shroff shukla shupe sibal
sidhu sidler siegrist siering sierra sigrist sihvonen sillanpaa silva silveira silvennoinen simek
simkova simmons simoens simoes simola simon simonen simonis simons simonsen simonsson simpson sims
sinclair singh singhal singleton sinha sipila sipos siqueira sire siren sirvio sisneros sitters
sivertsen sjoberg sjoblom sjodin sjogren sjoholm sjolander sjolin sjolund sjostedt sjostrand sjostrom
skinner skog skoglund skold skoog skov slaetsdochter slagmolen slater slavik slavikova slegers
slingerland smart smeets smet smets smid smidova smit smith smits smolders snauwaert snyder soares
soderberg sodergren soderholm soderlund soderman soderqvist soderstrom sodhi soding soini soininen
solanki solano solberg solheim solis soliz solorio solorzano solzer som soman somers somogyi sondergaard
soni sontag sood soos sorensen sorgatz soria sosa sotelo soto soukup soukupova sousa souza soylu sparks
speer spencer spiess sporri sridhar srinivas srinivasan srivastava stadelmann staelens stahl stahr
stalder stan stancu standaert stanek stanescu stankova stanley stark stas stastna stastny staub staude
stauffer steckel steele steen steffen steffensen steiger steinberg steiner steinmann stejskal
stejskalova stenberg stenlund stenstrom stepanek stepankova stephens stephenson sterckx stettler steuer
stevens stevenson stewart stey steyaert stiebitz stiffel stocker stockli stoica stokes stoll stolze
stone storey storm strand strandberg strickland strid striebitz strnad strnadova stroh strom stromberg
stroobants stucki studer stumpf stutz suarez subramaniam subramanian suciu suhonen sule sullivan summers
sundaram sundberg sundell sunder sundin sundqvist sundstrom suomalainen suominen sur sura suresh suri
sussebier suter sutinen sutter sutton svahn svanberg svantesson svard svec svecova svedberg svendsen
svensson svoboda svobodova swaminathan swamy swanson sweeney swennen swift swinnen sykes sykora sykorova
syrjala szabo szalai szekely szekeres szilagyi szoke szucs tabacu tack tafoya tahtinen tailor taipale
tak takacs takala talbot talwar tamas tamayo tamez tamminen tandon taneja tangen tanghe tanguy tank
tanner tanskanen tapia tara tarhan tarvainen tasche taskinen tata tate tavares taylor techer teixeira
tejada tejeda tella tellez tello temmerman teran terrazas terry tervo tesar tessier tevetoglu texier
textor thaker thakkar thakur thaman thanel theraulaz theunis theys thibault thierry thies thijs thomas
thomassen thommen thompson thomsen thomson thor thoren thorens thornton thorpe thorsen thulin thygesen
thys tiainen ticha tichy tielemans tiihonen tijerina tikka tikkanen timmerman timmermans timonen
tinguely tintzmann tirado tirkkonen tiwari tlustek tobler todd toft toivanen toivonen toledo tolonen
tolvanen toma toman tomanova tomescu tomlinson toor torfs tornqvist toro torok torres torrez torstensson
toth toussaint tovar townsend tran traore trapp treboux trejo trevino tripathi trivedi troch trommler
trost trub trubin trujillo trupp tschentscher tucker tudor tuma tumova tuomi tuominen tuovinen turesson
turk turnbull turner turpeinen turpin turunen tveit tyler uldry ulibarri ulker ullmann ulloa ullrich
underwood uotila upadhyay uppal urban urbanova urbina urena urias uribe urrutia uusitalo vaananen vaca
vacek vackova vaes vaidya vaillant vainio vaisanen vala valadez valdes valdez valdivia valencia valenta
valente valentin valentova valenzuela valette valimaki valkama valkonen valladares valle vallee vallejo
vallelian valles vallet vallin valtonen valverde vanbrabant vandaele vandamme vandecasteele
vandekerckhove vandenberghe vandenbroucke vandenbussche vandendriessche vandeputte vanderheyden
vanderlinden vanderstraeten vandevelde vandewalle vanegas vanek vanhee vanhoutte vanhove vankova
vanneste vansteenkiste varadi varela varga vargas varghese varis varkey varma vartiainen varty varughese
vasa vasconcelos vasquez vass vasseur vaughan vaughn vavra vavrova vayrynen vaz vazquez vega vela
velasco velasquez velazquez velez veliz venalainen venegas venkataraman venkatesh vera verbeeck verbeke
verbiest verbist verboven verbruggen verbrugghe vercammen vercauteren vercruysse verdier verdonck
verdugo verduzco vereecke vereecken verelst veres verfaillie vergara vergauwen verhaegen verhaeghe
verhelst verheyden verheyen verhoeven verhulst verlinden verma vermeersch vermeil vermeir vermeire
vermeiren vermeulen vermeylen verschueren verstappen verstraete verstraeten vervaeke vervaet vervoort
verwimp vesela vesely vestergaard vesterinen vesterlund vestin viaene viana viberg vicente vidal vieira
vienne viera vig vigil viitala viitanen vik viklund vikstrom vilhelmsson viljanen vincent vinck vincze
virag virk virta virtanen vissers viswanathan vitek vitkova vlaeminck vlcek vlckova vleugels voet vogel
vogt vohra voinea voisin vollbrecht vonlanthen vora voros vos voutilainen vrancken vranckx vranken
vuille vuorela vuori vuorinen vyas wable wade wadhwa wagenknecht wagle wagner wahlberg wahlgren
wahlstrom wahner walder wali walia walker wall walla wallace wallen wallgren wallin wallis walsh walter
walters walton wang ward warmer warner warren warrior washington wason waters watkins watson watts
wauters weaver webb weber webster wegmann wehrli weibel weihmann weimer weinhage weinhold weiss weitzel
welch wellens weller wells wende wenger wennberg wernecke werner wesack west westberg wester westerberg
westerlund westin westlund westman weston wettstein wheeler whitaker white whitehead whitehouse
whittaker wiberg wicht widen widmer wiek wieloch wiklund wikstrom wilcox wilhelmsson wilkins wilkinson
willaert willekens willems williams williamson willis wilms wilmsen wilson winberg winkler winter
winther wirth wirz wise wohlgemut wolf wolfe wong wood woods woodward wouters wright wulf wulff wuthrich
wuyts wyatt wynants wyss yadav yaman yang yates yildirim yilmaz ylinen ylitalo ylonen yogi yohannan york
yorulmaz young yuksel zacharia zachariah zahn zak zakova zanker zbinden zehnder zeman zemanova zengin
zetterberg zhang ziegert ziegler zimmer zimmerman zimmermann zingg zirme zobel zollinger zorbach zorlu
zurcher
""")
